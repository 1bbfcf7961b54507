import Foundation
import Hummingbird
import NIOCore

/// The control endpoint's HTTP side: checks the bearer token, decodes the JSON body,
/// hands the request to `LabController` and encodes its answer (see
/// `LabControlRequest` for the routes).
struct LabControlResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let controller: LabController
    let token: String

    func respond(to request: Request, context: Context) async throws -> Response {
        guard Self.authorized(request.headers[.authorization], token: token) else {
            return Self.failure(.unauthorized)
        }
        var request = request
        do {
            switch (request.method, request.uri.path) {
            case (.get, "/v1/status"):
                return try Self.reply(await controller.status())
            case (.post, "/v1/move-device"):
                return try Self.reply(try await controller.moveDevice(Self.body(&request)))
            case (.post, "/v1/fault"):
                return try Self.reply(try await controller.setFault(Self.body(&request)))
            case (_, "/v1/status"), (_, "/v1/move-device"), (_, "/v1/fault"):
                throw LabControlError.badRequest("\(request.method) is not allowed on \(request.uri.path)")
            default:
                throw LabControlError.notFound("the control endpoint has no \(request.uri.path); it has /v1/status, /v1/move-device, /v1/fault")
            }
        } catch let error as LabControlError {
            return Self.failure(error)
        }
    }

    private static func body<T: Decodable>(_ request: inout Request) async throws(LabControlError) -> T {
        guard let buffer = try? await request.collectBody(upTo: 1 << 16) else {
            throw .badRequest("the request body is larger than 64 KiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw .badRequest("the request body is not a valid \(T.self) JSON object: \(error)")
        }
    }

    private static func reply(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }

    private static func failure(_ error: LabControlError) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        return (try? reply(LabControlRequest.Failure(error: error.message), status: status)) ?? Response(status: status)
    }

    /// `Bearer TOKEN`, compared in constant time.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).utf8), expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<min(given.count, expected.count) { difference |= given[index] ^ expected[index] }
        return difference == 0
    }
}
