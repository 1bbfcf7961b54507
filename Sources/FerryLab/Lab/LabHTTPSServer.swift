import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// Runs one of the lab's HTTPS endpoints on 127.0.0.1 until stopped.
///
/// `clientCA`, when given, makes the server ask for a client certificate and accept
/// only ones signed by that CA; a client without one still connects (so that it can
/// be told 401, or use a token), as the Kubernetes apiserver does.
final class LabHTTPSServer<Responder: HTTPResponder>: Sendable
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let port: Int
    let responder: Responder
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    init(responder: Responder, identity: PEMIdentity, clientCA: String?, port requestedPort: Int) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem)))
        if let clientCA {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCA.utf8)))
            tls.certificateVerification = .optionalVerification
        }
        var logger = Logger(label: "ferry.lab")
        logger.logLevel = .critical
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: requestedPort)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? requestedPort)
                continuation.finish()
            },
            logger: logger)
        self.responder = responder
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        var iterator = started.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw LabError.serverFailed("the HTTPS server on 127.0.0.1:\(requestedPort) did not start")
        }
        self.port = port
    }

    /// Stops accepting connections and lets open requests finish (callers end long
    /// watches first). A graceful stop, not a cancellation: cancelling the server
    /// while it accepts a connection trips a NIO precondition.
    func stop() {
        let group = self.group
        Task { await group.triggerGracefulShutdown() }
    }

    /// `stop()`, then waits until the server has closed.
    func shutdown() async {
        stop()
        _ = try? await task.value
    }
}

/// Why the lab could not start or act.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public var description: String

    static func serverFailed(_ message: String) -> LabError { LabError(description: message) }
}
