import Foundation
import Hummingbird
import NIOCore
import FerryJSON

/// The homelab's Proxmox VE API over HTTPS, as `pveproxy` serves it on port 8006:
/// `/api2/json/...`, authenticated by an API token
/// (`Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`), answers wrapped in
/// `{"data": ...}`, failures with the message as the HTTP reason phrase.
/// `LabFaults.apiLatency` and `apiErrorRate` apply to every authenticated request.
public struct ProxmoxAPIServer: HTTPResponder {
    public typealias Context = BasicRequestContext

    let api: ProxmoxAPI
    /// `USER@REALM!TOKENID` -> secret.
    let tokens: [String: String]

    public init(homelab: Homelab, tokens: [String: String]) {
        self.api = ProxmoxAPI(homelab: homelab)
        self.tokens = tokens
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let user: String
        switch authenticate(request.headers[.authorization]) {
        case .success(let tokenID): user = tokenID
        case .failure(let failure):
            return Self.reply(status: 401, reason: failure.reason, body: ["data": .null, "message": .string(failure.reason + "\n")])
        }
        await api.homelab.waitAPILatency()
        if await api.homelab.nextAPIRequestFails() {
            return Self.failure(.failure("Can't connect to 127.0.0.1:85 (Connection refused)"))
        }
        // `$PROXMOX_VE_ENDPOINT/api2/...` with an endpoint ending in `/` asks for
        // `//api2/...`; the lab reads it as the path the user meant.
        var path = request.uri.path
        while path.contains("//") { path = path.replacingOccurrences(of: "//", with: "/") }
        guard path.hasPrefix("/api2/json/") || path == "/api2/json" else {
            return Self.reply(status: 501, reason: "Unexpected content for path '\(path)'", body: ["data": .null])
        }
        do {
            var parameters = ProxmoxParameters()
            for (key, value) in request.uri.queryParameters { parameters.add(String(key), String(value)) }
            parameters.merge(try await Self.body(&request))
            let data = try await api.call(
                request.method.rawValue, String(path.dropFirst("/api2/json".count)), parameters, user: user)
            return Self.reply(status: 200, reason: "OK", body: ["data": data])
        } catch {
            return Self.failure(error)
        }
    }

    /// The token id, or why it is refused. The secret never appears in a reason.
    private func authenticate(_ header: String?) -> Result<String, AuthFailure> {
        guard let header, header.hasPrefix("PVEAPIToken=") else { return .failure(AuthFailure("No ticket")) }
        let credential = header.dropFirst("PVEAPIToken=".count)
        guard let equals = credential.firstIndex(of: "="), credential.contains("!") else {
            return .failure(AuthFailure("no tokenid specified"))
        }
        let tokenID = String(credential[..<equals])
        let secret = String(credential[credential.index(after: equals)...])
        guard let expected = tokens[tokenID] else {
            let parts = tokenID.split(separator: "!", maxSplits: 1)
            return .failure(AuthFailure("no such token '\(parts.last ?? "")' for user '\(parts.first ?? "")'"))
        }
        guard Self.constantTimeEqual(secret, expected) else { return .failure(AuthFailure("invalid token value!")) }
        return .success(tokenID)
    }

    struct AuthFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func body(_ request: inout Request) async throws(HomelabError) -> ProxmoxParameters {
        guard let buffer = try? await request.collectBody(upTo: 1 << 20), buffer.readableBytes > 0 else { return .init() }
        let text = String(buffer: buffer)
        if (request.headers[.contentType] ?? "").contains("json") {
            guard let json = try? JSON.parse(text) else { throw .parameters(["body": "invalid JSON"]) }
            return try ProxmoxParameters.json(json)
        }
        return ProxmoxParameters.form(text)
    }

    private static func failure(_ error: HomelabError) -> Response {
        var body: JSON = ["data": .null, "message": .string(error.message + "\n")]
        if !error.errors.isEmpty { body["errors"] = .object(error.errors.mapValues { .string($0) }) }
        return reply(status: error.status, reason: error.message, body: body)
    }

    private static func failure(_ error: any Error) -> Response {
        if let error = error as? HomelabError { return failure(error) }
        return failure(HomelabError.failure(String(describing: error)))
    }

    static func reply(status: Int, reason: String, body: JSON) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json;charset=UTF-8"
        headers[.cacheControl] = "max-age=0"
        headers[.server] = "pve-api-daemon/3.0"
        let phrase = reason.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return Response(
            status: HTTPResponse.Status(code: status, reasonPhrase: phrase), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: body.serialized)))
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<min(x.count, y.count) { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
