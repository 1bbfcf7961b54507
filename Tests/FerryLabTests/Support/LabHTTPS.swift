import AsyncHTTPClient
import FerryJSON
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

@testable import FerryLab

/// Plain HTTPS requests to a lab apiserver: the lab's CA as the only trust root,
/// and optionally a client certificate (the admin's, or any other).
final class LabHTTPS: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: JSON
        var text: String
    }

    let baseURL: String
    private let client: HTTPClient

    init(baseURL: String, caPEM: String, identity: PEMIdentity?) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        if let identity {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        }
        self.baseURL = baseURL
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// Runs `body` with a client and shuts the client down afterwards.
    static func using<T: Sendable>(_ https: LabHTTPS, _ body: (LabHTTPS) async throws -> T) async throws -> T {
        do {
            let result = try await body(https)
            try await https.client.shutdown()
            return result
        } catch {
            try? await https.client.shutdown()
            throw error
        }
    }

    func request(
        _ method: HTTPMethod, _ path: String, body: JSON? = nil, contentType: String = "application/json",
        bearer: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body.serialized))
        }
        let response = try await client.execute(request, timeout: .seconds(20))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        let text = String(buffer: buffer)
        return Reply(status: Int(response.status.code), body: (try? JSON.parse(text)) ?? .null, text: text)
    }

    func get(_ path: String) async throws -> Reply { try await request(.GET, path) }
    func post(_ path: String, _ body: JSON) async throws -> Reply { try await request(.POST, path, body: body) }
    func put(_ path: String, _ body: JSON) async throws -> Reply { try await request(.PUT, path, body: body) }
    func delete(_ path: String) async throws -> Reply { try await request(.DELETE, path) }

    /// Opens a watch (`path` includes `?watch=1&...`) and returns its events once
    /// `enough` is satisfied by those received so far, or when the server ends the
    /// stream. The HTTP status comes back too, to check that errors arrive in the stream.
    func watch(
        _ path: String, bearer: String? = nil, timeout: TimeAmount = .seconds(20), until enough: @Sendable ([JSON]) -> Bool
    ) async throws -> (status: Int, events: [JSON]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Accept", value: "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await client.execute(request, timeout: timeout)
        var events: [JSON] = []
        var pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                events.append(try JSON.parse(line))
                if enough(events) { return (Int(response.status.code), events) }
            }
        }
        return (Int(response.status.code), events)
    }
}

extension Array where Element == JSON {
    /// `TYPE name` for each watch event, e.g. `ADDED cam`.
    var summary: [String] {
        map { "\($0["type"].stringValue ?? "?") \($0["object"]["metadata"]["name"].stringValue ?? "?")" }
    }
}
