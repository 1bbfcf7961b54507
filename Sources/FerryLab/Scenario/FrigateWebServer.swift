import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Frigate's web port (5000) on its pod's IP, while the lab's Frigate runs: what
/// a Service, its Endpoints and the apiserver's service proxy reach, over a real
/// socket. It answers `GET /api/version` with Frigate's version string
/// (`0.14.1-f4f3cfa`) as text, as Frigate's API does; every other path is 404.
final class FrigateWebServer: Sendable {
    static let port = 5000

    private let task: Task<Void, Never>
    private let group: ServiceGroup

    /// Listens on `host`:5000; throws when it cannot (the address is taken).
    init(host: String, version: String) async throws {
        var logger = Logger(label: "ferry.lab.frigate")
        logger.logLevel = .critical
        let router = Router()
        router.get("api/version") { _, _ in version }
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: Self.port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? Self.port)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task {
            try? await group.run()
            continuation.finish()
        }
        var iterator = started.makeAsyncIterator()
        guard await iterator.next() != nil else {
            throw LabError.serverFailed("Frigate's web server could not listen on \(host):\(Self.port)")
        }
    }

    func stop() {
        let group = self.group
        Task { await group.triggerGracefulShutdown() }
    }

    /// The version `GET /api/version` answers for an image tag: Frigate prints its
    /// release and the commit it was built from.
    static func version(forTag tag: String) -> String {
        let release = tag.first?.isNumber == true ? tag : "0.14.1"
        return "\(release)-f4f3cfa"
    }
}

/// The web servers of the running Frigate containers, by pod uid.
final class FrigateWebServers: Sendable {
    private let servers = Mutex<[String: (node: String, server: FrigateWebServer)]>([:])

    func add(_ server: FrigateWebServer, pod: String, node: String) {
        let replaced = servers.withLock { $0.updateValue((node, server), forKey: pod) }
        replaced?.server.stop()
    }

    func stop(pod: String) {
        servers.withLock { $0.removeValue(forKey: pod) }?.server.stop()
    }

    func stop(node: String, keeping live: Set<String>) {
        let gone = servers.withLock { servers in
            let gone = servers.filter { $0.value.node == node && !live.contains($0.key) }
            for key in gone.keys { servers.removeValue(forKey: key) }
            return gone.values.map(\.server)
        }
        for server in gone { server.stop() }
    }
}
