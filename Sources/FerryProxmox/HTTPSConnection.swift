import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/1.1 request over a fresh TLS connection (`Connection: close`), on
/// SwiftNIO. Written here rather than taken from AsyncHTTPClient because pinning a
/// certificate's fingerprint needs NIOSSL's custom verification callback, which
/// AsyncHTTPClient does not expose; the same code serves all three trust modes.
struct HTTPSConnection: Sendable {
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// Why a request did not get an answer, before it is put into words by the transport.
    enum Failure: Error, Sendable {
        case connect(String)
        case fingerprintMismatch(presented: CertificateFingerprint)
        case tls(String)
        case timeout
        case io(String)
        case tooLarge
    }

    let host: String
    let port: Int
    let trust: ProxmoxConfiguration.TLSTrust
    let connectTimeout: Duration
    let requestTimeout: Duration
    let contexts: TLSContexts
    static let maximumBody = 32 << 20

    func send(_ head: HTTPRequestHead, body: ByteBuffer?) async throws(Failure) -> Response {
        let presented = Recorder<CertificateFingerprint?>(nil)
        let timedOut = Recorder(false)
        // The TLS handshake's own error: a write can fail first with "I/O on closed
        // channel", which says nothing about why the server was refused.
        let handshakeError = Recorder<(any Error & Sendable)?>(nil)
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(Self.nanoseconds(connectTimeout)))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(try makeTLSHandler(presented: presented))
                        try channel.pipeline.syncOperations.addHandler(HandshakeErrorRecorder(recorder: handshakeError))
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Self.classify(handshakeError.value ?? error, presented: presented.value, timedOut: false, connecting: true)
        }
        let deadline = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(requestTimeout))) {
            timedOut.value = true
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head))
                if let body { try await outbound.write(.body(.byteBuffer(body))) }
                try await outbound.write(.end(nil))
                var status: HTTPResponseStatus?
                var collected = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let responseHead):
                        status = responseHead.status
                    case .body(var chunk):
                        guard collected.readableBytes + chunk.readableBytes <= Self.maximumBody else { throw Failure.tooLarge }
                        collected.writeBuffer(&chunk)
                    case .end:
                        if let status { return Response(status: status, body: collected) }
                    }
                }
                throw Failure.io("the server closed the connection before the answer was complete")
            }
        } catch {
            throw Self.classify(handshakeError.value ?? error, presented: presented.value, timedOut: timedOut.value, connecting: false)
        }
    }

    /// The TLS handler for the trust mode, on the transport's shared context. Pinning
    /// replaces chain and host name checks by a comparison of the leaf certificate's
    /// SHA-256 with the pin, made in every handshake.
    private func makeTLSHandler(presented: Recorder<CertificateFingerprint?>) throws -> NIOSSLClientHandler {
        // SNI takes names only; for an IP address NIOSSL checks the certificate's IP SANs.
        let serverName = Self.isIPAddress(host) ? nil : host
        let context = try contexts.context(for: trust)
        guard case .pinned(let pin) = trust else { return try NIOSSLClientHandler(context: context, serverHostname: serverName) }
        return try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
            guard let leaf = certificates.first, let der = try? leaf.toDERBytes() else {
                promise.succeed(.failed)
                return
            }
            let fingerprint = CertificateFingerprint(certificateDER: der)
            if fingerprint != pin { presented.value = fingerprint }
            promise.succeed(fingerprint == pin ? .certificateVerified : .failed)
        }
    }

    private static func classify(_ error: any Error, presented: CertificateFingerprint?, timedOut: Bool, connecting: Bool) -> Failure {
        if let failure = error as? Failure { return failure }
        if timedOut { return .timeout }
        // A fingerprint is recorded only when it is not the pinned one.
        if let presented { return .fingerprintMismatch(presented: presented) }
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return .tls("its certificate is not signed by a CA in the system trust store")
        }
        if let extra = error as? NIOSSLExtraError, text.contains("failedToValidateHostname") {
            return .tls("its certificate is not issued for this host name (\(extra))")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tls(text) }
        if error is ChannelError, case .connectTimeout = error as! ChannelError { return .timeout }
        if connecting { return .connect(Self.connectReason(error)) }
        return .io(text)
    }

    private static func connectReason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("Connection refused") || text.contains("connectionRefused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if text.contains("getaddrinfo") || text.contains("resolve") || text.contains("NXDOMAIN") { return "the host name does not resolve" }
        return text
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A value written on the channel's event loop (the verification callback, the
/// deadline) and read by the request once the channel is done.
/// Keeps the first TLS error the pipeline reports.
private final class HandshakeErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let recorder: Recorder<(any Error & Sendable)?>

    init(recorder: Recorder<(any Error & Sendable)?>) { self.recorder = recorder }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if recorder.value == nil, error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            recorder.value = error as? any Error & Sendable
        }
        context.fireErrorCaught(error)
    }
}

final class Recorder<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// The TLS context of a transport, made once: making one loads the system's trust
/// store, about 40 ms, which every request paid before. Contexts hold no per-connection
/// state; each connection still makes its own handshake and checks the certificate.
final class TLSContexts: Sendable {
    private let made = Mutex<NIOSSLContext?>(nil)

    func context(for trust: ProxmoxConfiguration.TLSTrust) throws -> NIOSSLContext {
        try made.withLock { made in
            if let made { return made }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch trust {
            case .systemTrustStore: tls.certificateVerification = .fullVerification
            case .insecure: tls.certificateVerification = .none
            case .pinned: tls.certificateVerification = .noHostnameVerification
            }
            let context = try NIOSSLContext(configuration: tls)
            made = context
            return context
        }
    }
}
