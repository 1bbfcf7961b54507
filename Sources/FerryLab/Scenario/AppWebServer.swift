import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An application's web port on its pod's IP, while the lab runs the application
/// (Frigate's 5000, Ollama's 11434): what a Service, its Endpoints and the
/// apiserver's service proxy reach, over a real socket. It answers the GET paths it
/// is given with their bodies (Frigate's `/api/version` is text, Ollama's JSON);
/// every other path is 404.
final class AppWebServer: Sendable {
    private let task: Task<Void, Never>
    private let group: ServiceGroup

    /// Listens on `host`:`port`; throws when it cannot (the address is taken).
    init(name: String, host: String, port: Int, routes: [String: String]) async throws {
        var logger = Logger(label: "ferry.lab.\(name.lowercased())")
        logger.logLevel = .critical
        let router = Router()
        for (path, body) in routes { router.get(RouterPath(path)) { _, _ in body } }
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
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
            throw LabError.serverFailed("\(name)'s web server could not listen on \(host):\(port)")
        }
    }

    func stop() {
        let group = self.group
        Task { await group.triggerGracefulShutdown() }
    }

}

/// The web servers of an application's running containers, by pod uid.
final class AppWebServers: Sendable {
    private let servers = Mutex<[String: (node: String, server: AppWebServer)]>([:])

    func add(_ server: AppWebServer, pod: String, node: String) {
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
