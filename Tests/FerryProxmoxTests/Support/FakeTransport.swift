import FerryJSON
import FerryProxmox
import Synchronization

/// An in-memory Proxmox: answers each request with `respond` and remembers it.
final class FakeTransport: ProxmoxTransport {
    struct Call: Sendable, Equatable, CustomStringConvertible {
        var method: String
        var path: String
        var parameters: [String]
        var description: String { "\(method) \(path) \(parameters.joined(separator: "&"))" }
    }

    let server = "the fake Proxmox"
    private let respond: @Sendable (Call) throws(ProxmoxError) -> JSON
    private let log = Mutex<[Call]>([])

    init(_ respond: @escaping @Sendable (Call) throws(ProxmoxError) -> JSON) {
        self.respond = respond
    }

    var calls: [Call] { log.withLock { $0 } }

    func get(_ path: String, query: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try answer(Call(method: "GET", path: path, parameters: query.map { "\($0.0)=\($0.1)" }))
    }

    func post(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try answer(Call(method: "POST", path: path, parameters: parameters.map { "\($0.0)=\($0.1)" }))
    }

    func put(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try answer(Call(method: "PUT", path: path, parameters: parameters.map { "\($0.0)=\($0.1)" }))
    }

    private func answer(_ call: Call) throws(ProxmoxError) -> JSON {
        log.withLock { $0.append(call) }
        return try respond(call)
    }
}

/// A clock whose `sleep` returns at once, moving its time forward: waits and
/// timeouts are tested without time passing.
final class InstantClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        current.withLock { if $0 < deadline { $0 = deadline } }
    }

    /// How much time the waits took.
    var elapsed: Duration { now.offset }
}
