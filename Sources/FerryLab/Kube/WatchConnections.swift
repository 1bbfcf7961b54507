import Foundation
import Synchronization

/// The long-lived responses of the lab's apiserver (watches, `logs -f`), so that a
/// test or a fault can cut them all at once, as an apiserver restart or a flaky
/// network does, and so that the server can stop without waiting for them.
final class WatchConnections: Sendable {
    private let open = Mutex<[UUID: @Sendable () -> Void]>([:])
    /// How many of the next watch requests are refused with 503, as an apiserver
    /// answers while etcd or the server itself restarts.
    private let refusals = Mutex(0)

    func refuseNext(_ count: Int) { refusals.withLock { $0 = count } }

    /// True (and one refusal used) when this watch request is to be refused.
    func takeRefusal() -> Bool {
        refusals.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }

    func register(_ close: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        open.withLock { $0[id] = close }
        return id
    }

    func unregister(_ id: UUID) {
        _ = open.withLock { $0.removeValue(forKey: id) }
    }

    /// Ends every open watch response; clients see the stream end and reconnect.
    func dropAll() {
        let closers = open.withLock { open in
            defer { open.removeAll() }
            return Array(open.values)
        }
        closers.forEach { $0() }
    }
}
