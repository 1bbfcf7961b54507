import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The control endpoint of a running lab, so that `ferry lab move-device|fault|status
/// --dir DIR` can act on the lab that `ferry lab up --dir DIR` started: plain HTTP on
/// 127.0.0.1 (a free port), every request carrying a random bearer token. Both are in
/// `DIR/control.json` (mode 0600), written once the server listens and removed by
/// `shutdown()`. Loopback and a file only its owner can read keep it to that user; it
/// is a local control socket, not a remote API, so it has no TLS.
///
/// ```swift
/// let control = try await LabControlServer.start(
///     controller: LabController(lab: lab, directory: dir, scenario: "frigate-coral"))
/// // curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:PORT/v1/status
/// await control.shutdown()
/// ```
public final class LabControlServer: Sendable {
    public let port: Int
    /// What is in `DIR/control.json`.
    public let file: LabControlFile
    public let directory: URL
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, file: LabControlFile, directory: URL, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.file = file
        self.directory = directory
        self.group = group
        self.task = task
    }

    /// Listens on 127.0.0.1:`port` (0 picks a free one), then writes `control.json`.
    public static func start(controller: LabController, port requestedPort: Int = 0) async throws -> LabControlServer {
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        var logger = Logger(label: "ferry.lab.control")
        logger.logLevel = .critical
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: LabControlResponder(controller: controller, token: token),
            configuration: .init(address: .hostname("127.0.0.1", port: requestedPort)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? requestedPort)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = started.makeAsyncIterator()
        guard let port = await iterator.next() else {
            var reason = "it stopped before listening"
            do { try await task.value } catch { reason = "\(error)" }
            throw LabError(description: "the lab's control endpoint could not listen on 127.0.0.1:\(requestedPort): \(reason)")
        }
        let file = LabControlFile(
            url: "http://127.0.0.1:\(port)", token: token, pid: getpid(), scenario: controller.scenario)
        let server = LabControlServer(port: port, file: file, directory: controller.directory, group: group, task: task)
        do {
            try file.write(in: controller.directory)
        } catch {
            await server.shutdown()
            throw error
        }
        return server
    }

    /// Removes `control.json` (so no client reaches for a lab that is going away), then
    /// stops the server and waits until its port is closed.
    public func shutdown() async {
        file.remove(in: directory)
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
