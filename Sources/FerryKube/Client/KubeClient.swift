import AsyncHTTPClient
import FerryJSON
import FerryRemote
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// A Kubernetes REST client for one cluster context, on AsyncHTTPClient.
///
/// TLS is verified against the kubeconfig's CA (or the system trust store); it is
/// skipped only when the kubeconfig itself sets `insecure-skip-tls-verify`.
/// Credentials are a client certificate, a bearer token (or token file, re-read on
/// each request as client-go does) or an exec plugin (its result cached until it
/// expires). Objects are `JSON`, so fields ferry does not model survive a write.
///
/// ```swift
/// let client = try KubeClient(access: try KubeconfigLoader.standard.access())
/// let pods = try await client.list(.pods, namespace: "frigate", labelSelector: "app=frigate")
/// ```
public actor KubeClient {
    public nonisolated let access: ClusterAccess
    private let http: HTTPClient
    private let runner: any ProcessRunner
    private var execCredential: ExecCredential?
    /// A second HTTP client for exec plugins that return client certificates.
    private var certificateClient: HTTPClient?
    let requestTimeout: TimeAmount

    public init(
        access: ClusterAccess, runner: any ProcessRunner = LocalProcessRunner(),
        requestTimeout: Duration = .seconds(30)
    ) throws(KubeClientError) {
        self.access = access
        self.runner = runner
        self.requestTimeout = .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000
            + requestTimeout.components.attoseconds / 1_000_000_000)
        var clientCertificate: (certificatePEM: [UInt8], keyPEM: [UInt8])?
        if case .clientCertificate(let cert, let key) = access.credential { clientCertificate = (cert, key) }
        http = try Self.makeHTTPClient(access, clientCertificate: clientCertificate)
    }

    /// Closes connections; call once when done.
    public func shutdown() async {
        try? await http.shutdown()
        try? await certificateClient?.shutdown()
    }

    static func makeHTTPClient(_ access: ClusterAccess, clientCertificate: (certificatePEM: [UInt8], keyPEM: [UInt8])?)
        throws(KubeClientError) -> HTTPClient
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = access.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let clientCertificate {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(clientCertificate.certificatePEM).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: clientCertificate.keyPEM, format: .pem))
            }
        } catch {
            throw .credentials("the certificates of context \(access.contextName) cannot be read: \(error)")
        }
        if access.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
        configuration.httpVersion = .http1Only
        // Every wait is a watch that holds a connection while it lasts; with the default
        // cap of 8 per host, requests queued behind watches for seconds. client-go sets
        // no cap at all.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: Requests

    struct Reply {
        var status: Int
        var body: ByteBuffer
    }

    /// Sends one request and returns the reply, turning non-2xx answers into errors.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSON? = nil,
        contentType: String = "application/json", accept: String = "application/json"
    ) async throws(KubeClientError) -> Reply {
        // Reads, and replacements that carry a resourceVersion (a stale one is refused
        // with 409), are safe to send again after a transient failure.
        let repeatable = method == .GET || (method == .PUT && body?["metadata"]["resourceVersion"].stringValue != nil)
        return try await Retry.idempotent(attempts: repeatable ? 4 : 1, transient: Self.isTransient) { () async throws(KubeClientError) -> Reply in
            try await sendOnce(method, path, query: query, body: body, contentType: contentType, accept: accept)
        }
    }

    /// A server error, a 429 or a dropped connection: worth another try.
    static func isTransient(_ error: KubeClientError) -> Bool {
        switch error.code {
        case .transport: true
        case .status(let status, _): status == 429 || (status >= 500 && status != 501)
        default: false
        }
    }

    private func sendOnce(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: JSON?, contentType: String, accept: String
    ) async throws(KubeClientError) -> Reply {
        let response = try await start(method, path, query: query, body: body, contentType: contentType, accept: accept, deadline: requestTimeout)
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw describe(error, method: method, path: path)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let parsed = (try? JSON.parse(Data(buffer: buffer))) ?? .null
            throw .status(parsed, httpCode: status, request: "\(method.rawValue) \(path)")
        }
        return Reply(status: status, body: buffer)
    }

    func start(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: JSON?, contentType: String,
        accept: String, deadline: TimeAmount
    ) async throws(KubeClientError) -> HTTPClientResponse {
        try await start(method, path, query: query, bytes: body.map { ByteBuffer(string: $0.serialized) }, contentType: contentType,
                        accept: accept, deadline: deadline)
    }

    func start(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], bytes: ByteBuffer?, contentType: String,
        accept: String, deadline: TimeAmount
    ) async throws(KubeClientError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "ferry")
        if let bytes {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(bytes)
        }
        let client = try await authorize(&request)
        do {
            return try await client.execute(request, timeout: deadline)
        } catch {
            throw describe(error, method: method, path: path)
        }
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        var base = access.server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard !query.isEmpty else { return base + path }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+,;")
        let encoded = query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
        return base + path + "?" + encoded.joined(separator: "&")
    }

    /// Adds the bearer token, or picks the HTTP client holding the exec plugin's certificate.
    private func authorize(_ request: inout HTTPClientRequest) async throws(KubeClientError) -> HTTPClient {
        switch access.credential {
        case .none, .clientCertificate:
            return http
        case .token(let token):
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            return http
        case .tokenFile(let url):
            guard let token = try? String(contentsOf: url, encoding: .utf8) else {
                throw .credentials("the token file \(url.path) of context \(access.contextName) cannot be read")
            }
            request.headers.add(name: "Authorization", value: "Bearer \(token.trimmingCharacters(in: .whitespacesAndNewlines))")
            return http
        case .exec(let config):
            if execCredential == nil || (execCredential?.expires.map { $0 < Date() } ?? false) {
                execCredential = try await config.obtain(using: runner)
                try? await certificateClient?.shutdown()
                certificateClient = nil
            }
            switch execCredential!.material {
            case .token(let token):
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return http
            case .clientCertificate(let cert, let key):
                if certificateClient == nil {
                    certificateClient = try Self.makeHTTPClient(access, clientCertificate: (cert, key))
                }
                return certificateClient!
            }
        }
    }

    /// A transport failure in words: which server, and for TLS, which check failed.
    func describe(_ error: any Error, method: HTTPMethod, path: String) -> KubeClientError {
        let text = String(describing: error)
        let server = access.server.absoluteString
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return .tls(
                "TLS verification of \(server) failed: its certificate is not signed by the CA of context "
                    + "\(access.contextName) (certificate-authority-data in the kubeconfig). Check that the kubeconfig belongs to this cluster.")
        }
        if text.contains("handshakeFailed") || text.contains("SSL") {
            return .tls("TLS handshake with \(server) failed: \(text)")
        }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") || text.contains("connectTimeout") {
            return .timeout("\(method.rawValue) \(path) on \(server) timed out")
        }
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return .transport("cannot connect to \(server): connection refused. Is the cluster up and the kubeconfig current?")
        }
        return .transport("\(method.rawValue) \(path) on \(server) failed: \(text)")
    }
}
