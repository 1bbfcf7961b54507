import AsyncHTTPClient
import FerryLab
import Foundation
import NIOCore
import NIOHTTP1

/// The CLI's side of the lab's control endpoint: finds the running lab through
/// `DIR/control.json` and sends it JSON requests with the bearer token. Failures come
/// back as `LabCommandError`s worded for the user.
struct LabControlClient {
    let file: LabControlFile
    /// `--dir` as the user wrote it, for messages.
    let dir: String

    /// The client for the lab running with `--dir`, or `noLab` when there is no
    /// `control.json`.
    static func connect(_ options: LabDirectoryOptions) throws -> LabControlClient {
        let file: LabControlFile?
        do {
            file = try LabControlFile.read(in: options.directory)
        } catch {
            throw LabCommandError.noLab(options.path, because: "\(error)")
        }
        guard let file else { throw LabCommandError.noLab(options.path, because: "no control.json") }
        return LabControlClient(file: file, dir: options.path)
    }

    func status() async throws -> LabStatus {
        try await send(.GET, "/v1/status", body: Optional<LabControlRequest.Fault>.none)
    }

    func moveDevice(_ request: LabControlRequest.MoveDevice) async throws -> LabControlRequest.Reply {
        try await send(.POST, "/v1/move-device", body: request)
    }

    func setFault(_ request: LabControlRequest.Fault) async throws -> LabControlRequest.Reply {
        try await send(.POST, "/v1/fault", body: request)
    }

    /// Whether the endpoint answers a status request (a lab is running).
    func answers() async -> Bool {
        (try? await status()) != nil
    }

    private func send<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: file.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(file.token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        }
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            data = Data(buffer: try await response.body.collect(upTo: 1 << 22))
        } catch {
            throw LabCommandError.noLab(
                dir, because: "control.json names \(file.url), which does not answer; the lab that wrote it did not stop cleanly")
        }
        guard response.status == .ok else {
            let message = (try? JSONDecoder().decode(LabControlRequest.Failure.self, from: data))?.error
                ?? "the control endpoint answered \(response.status) to \(method) \(path)"
            throw LabCommandError.refused(LabControlError(status: Int(response.status.code), message: message))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw LabCommandError(
                code: .refused,
                description: "the control endpoint's answer to \(method) \(path) is not what this ferry expects (\(error)); "
                    + "is the lab running a different ferry build?")
        }
    }
}
