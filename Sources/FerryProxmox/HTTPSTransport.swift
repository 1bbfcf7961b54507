import FerryJSON
import FerryRemote
import Foundation
import NIOCore
import NIOHTTP1

/// The Proxmox VE HTTPS API with an API token (`Authorization: PVEAPIToken=...`),
/// TLS checked as `ProxmoxConfiguration.trust` says. One connection per request
/// (`Connection: close`): ferry makes few calls, and a fresh handshake makes every
/// call check the certificate. Bodies are form-encoded, as Proxmox's own clients send them.
///
/// ```swift
/// let transport = HTTPSTransport(configuration: try ProxmoxConfiguration(environment: environment))
/// let vms = try await transport.get("/cluster/resources", query: [("type", "vm")])
/// ```
public struct HTTPSTransport: ProxmoxTransport {
    public let configuration: ProxmoxConfiguration
    private let contexts = TLSContexts()

    public init(configuration: ProxmoxConfiguration) {
        self.configuration = configuration
    }

    public var server: String { "the Proxmox API at \(configuration.url.absoluteString)" }

    public func get(_ path: String, query: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await send(.GET, path, query: query, form: [])
    }

    public func post(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await send(.POST, path, query: [], form: parameters)
    }

    public func put(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await send(.PUT, path, query: [], form: parameters)
    }

    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)], form: [(String, String)]) async throws(ProxmoxError)
        -> JSON
    {
        try ProxmoxParameterCheck.path(path)
        for (key, _) in query + form { try ProxmoxParameterCheck.key(key) }
        let request = "\(method.rawValue) \(path)"
        var uri = "/api2/json" + path
        if !query.isEmpty { uri += "?" + Self.formEncoded(query) }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        head.headers.add(name: "Host", value: configuration.url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "Authorization", value: configuration.token.headerValue)
        head.headers.add(name: "Accept", value: "application/json")
        head.headers.add(name: "User-Agent", value: "ferry")
        head.headers.add(name: "Connection", value: "close")
        var body: ByteBuffer?
        if method != .GET {
            let text = Self.formEncoded(form)
            head.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            head.headers.add(name: "Content-Length", value: String(text.utf8.count))
            body = ByteBuffer(string: text)
        }
        // Reads, and config writes that carry the config's digest (Proxmox refuses
        // one whose digest is stale), are safe to send again after a transient failure.
        let repeatable = method == .GET || (method == .PUT && form.contains { $0.0 == "digest" })
        return try await Retry.idempotent(attempts: repeatable ? 4 : 1, transient: Self.isTransient) { () async throws(ProxmoxError) -> JSON in
            try await attempt(head, body: body, request: request)
        }
    }

    /// A server error, a 429 or a dropped connection: worth another try.
    static func isTransient(_ error: ProxmoxError) -> Bool {
        switch error.code {
        case .connection: true
        case .api(let status): status == 429 || (status >= 500 && status != 501)
        default: false
        }
    }

    private func attempt(_ head: HTTPRequestHead, body: ByteBuffer?, request: String) async throws(ProxmoxError) -> JSON {
        let connection = HTTPSConnection(
            host: configuration.host, port: configuration.port, trust: configuration.trust,
            connectTimeout: configuration.timeouts.connect, requestTimeout: configuration.timeouts.request,
            contexts: contexts)
        let response: HTTPSConnection.Response
        do {
            response = try await connection.send(head, body: body)
        } catch {
            throw describe(error, request: request)
        }
        let text = String(buffer: response.body)
        let document = text.isEmpty ? JSON.null : try? JSON.parse(text)
        guard (200..<300).contains(Int(response.status.code)) else {
            // Proxmox sends the message as the reason phrase; the body may repeat it
            // and list per-parameter errors.
            var errors: [String: String] = [:]
            for (key, value) in document?["errors"].objectValue ?? [:] { errors[key] = value.stringValue ?? value.serialized }
            let message = document?["message"].stringValue ?? response.status.reasonPhrase
            throw ProxmoxError.answer(
                status: Int(response.status.code), message: message, errors: errors, request: request, server: server,
                token: configuration.token)
        }
        guard let document else {
            throw ProxmoxError.decoding("\(request) via \(server): the answer is not JSON: \(text.prefix(200))")
        }
        return document["data"]
    }

    /// A connection failure in words: which server, what happened, what to do.
    private func describe(_ failure: HTTPSConnection.Failure, request: String) -> ProxmoxError {
        let url = configuration.url.absoluteString
        switch failure {
        case .connect(let reason):
            return .connection("cannot connect to the Proxmox API at \(url): \(reason). Check PROXMOX_VE_ENDPOINT and that pveproxy runs on the host")
        case .fingerprintMismatch(let presented):
            guard case .pinned(let pin) = configuration.trust else { return .tls("TLS with \(url) failed") }
            return ProxmoxError(
                code: .fingerprintMismatch,
                description: "refusing the Proxmox API at \(url): its certificate's SHA-256 fingerprint is \(presented), "
                    + "not the pinned \(pin). If the host's certificate was renewed, check it on the host "
                    + "(pvenode cert info) and update PROXMOX_VE_FINGERPRINT")
        case .tls(let reason):
            return .tls(
                "TLS verification of the Proxmox API at \(url) failed (\(reason)). Proxmox's own certificate is self-signed: "
                    + "pin it with PROXMOX_VE_FINGERPRINT (pvenode cert info shows it), or pass --insecure to skip verification")
        case .timeout:
            return .timeout("\(request) on the Proxmox API at \(url) timed out. Is the host up and reachable?")
        case .io(let reason):
            return .connection("\(request) on the Proxmox API at \(url) failed: \(reason)")
        case .tooLarge:
            return .decoding("\(request) on the Proxmox API at \(url): the answer is larger than \(HTTPSConnection.maximumBody >> 20) MiB")
        }
    }

    /// `key=value&...`, each part percent-encoded (space as `%20`).
    static func formEncoded(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}
