import FerryJSON
import FerryRemote
import Foundation

/// The Proxmox VE API through `pvesh` on a host, over SSH: the blueprint's way, for
/// a homelab without an API token. `pvesh` answers for the whole cluster from any
/// node, as the HTTPS API does, and prints the same `data` as JSON.
///
/// `GET` is `pvesh get PATH --output-format json`, `POST` `pvesh create`, `PUT`
/// `pvesh set`; each parameter is `--key value`, passed as separate arguments and
/// quoted by `SSHClient` (no value reaches the remote shell as syntax).
///
/// ```swift
/// let transport = SSHTransport(host: "still-fawn.maas", ssh: SSHClient())
/// let config = try await ProxmoxClient(transport: transport).vmConfig(node: "still-fawn", vmid: 108)
/// ```
public struct SSHTransport: ProxmoxTransport {
    /// The host's SSH name (an ssh_config alias, `root@host`, or a host name).
    public let host: String
    public let ssh: SSHClient

    public init(host: String, ssh: SSHClient) {
        self.host = host
        self.ssh = ssh
    }

    public var server: String { "pvesh on \(host)" }

    public func get(_ path: String, query: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await pvesh("get", path, query, request: "GET \(path)")
    }

    public func post(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await pvesh("create", path, parameters, request: "POST \(path)")
    }

    public func put(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON {
        try await pvesh("set", path, parameters, request: "PUT \(path)")
    }

    private func pvesh(_ verb: String, _ path: String, _ parameters: [(String, String)], request: String) async throws(ProxmoxError)
        -> JSON
    {
        try ProxmoxParameterCheck.path(path)
        var arguments = ["pvesh", verb, path]
        for (key, value) in parameters {
            try ProxmoxParameterCheck.key(key)
            arguments += ["--\(key)", value]
        }
        arguments += ["--output-format", "json"]
        let output: CommandOutput
        do {
            output = try await ssh.run(arguments, on: host)
        } catch {
            throw describe(error, request: request)
        }
        guard output.succeeded else {
            throw Self.failure(output.stderrText, exitCode: output.exitCode, request: request, server: server)
        }
        let text = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .null }
        do {
            return try JSON.parse(text)
        } catch {
            throw .decoding("\(request) via \(server): pvesh printed something that is not JSON: \(text.prefix(200))")
        }
    }

    /// `SSHClient` reports exit status 255 as "could not connect", but `pvesh` also
    /// exits 255 when the API call fails. Lines that only ssh prints mean the host
    /// was not reached; anything else is pvesh's own error message.
    private func describe(_ error: RemoteError, request: String) -> ProxmoxError {
        let reason = error.attempts.map(\.reason).joined(separator: "; ")
        if Self.isSSHFailure(reason) {
            return .connection(
                "cannot reach \(host) over SSH to run pvesh (\(reason)). Check that `ssh \(host)` works without a password prompt")
        }
        return Self.failure(reason, exitCode: 255, request: request, server: server)
    }

    static func isSSHFailure(_ reason: String) -> Bool {
        let markers = [
            "ssh:", "Permission denied", "Host key verification failed", "Connection refused", "Connection closed",
            "Connection timed out", "Could not resolve", "kex_exchange_identification", "banner exchange",
            "No route to host", "Operation timed out", "Connection reset", "Bad configuration option", "cannot run ssh",
            "REMOTE HOST IDENTIFICATION HAS CHANGED", "ssh exited with status 255", "ControlPath", "mux_client",
        ]
        return markers.contains { reason.contains($0) }
    }

    /// pvesh's error output, `400 Parameter verification failed.` followed by
    /// `key: reason` lines, or a message alone (a 500 over HTTPS).
    static func failure(_ stderr: String, exitCode: Int32, request: String, server: String) -> ProxmoxError {
        var lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var status = 500
        if let first = lines.first, let match = first.wholeMatch(of: /(\d{3}) (.*)/) {
            status = Int(match.1)!
            lines[0] = String(match.2)
        }
        guard !lines.isEmpty else {
            return ProxmoxError.answer(
                status: status, message: "pvesh exited with status \(exitCode)", request: request, server: server, token: nil)
        }
        var errors: [String: String] = [:]
        for line in lines.dropFirst() {
            if let match = line.wholeMatch(of: /([A-Za-z0-9_-]+): (.*)/) { errors[String(match.1)] = String(match.2) }
        }
        let message = errors.isEmpty ? lines.joined(separator: " ") : lines[0]
        return ProxmoxError.answer(status: status, message: message, errors: errors, request: request, server: server, token: nil)
    }
}
