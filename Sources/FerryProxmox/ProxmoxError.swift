import Foundation

/// A failed call to Proxmox VE, over either transport. Compare by `code`; read
/// `description` for a sentence that says what failed, on which host or VM, and
/// what to do. No description ever contains a token's secret.
public struct ProxmoxError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The environment or configuration is missing something or malformed.
        case configuration
        /// A node name, VMID, USB id or parameter key that ferry refuses to send.
        case invalidName
        /// The API did not accept the token (401).
        case unauthorized
        /// The token lacks a privilege (403).
        case forbidden
        /// The VM, node, task or guest-agent process does not exist.
        case notFound
        /// The VM's config changed since it was read (stale `digest`).
        case configChanged
        /// Any other answer from Proxmox that is not a success, with its HTTP status.
        case api(status: Int)
        /// TLS verification against the system trust store failed.
        case tls
        /// The server's certificate is not the pinned one.
        case fingerprintMismatch
        /// The host could not be reached (refused, unresolvable, SSH failed).
        case connection
        case timeout
        /// An answer that is not what Proxmox sends.
        case decoding
        /// A worker task (reboot, start...) ended with an error.
        case taskFailed
        /// The QEMU guest agent did not answer (not configured, not running).
        case guestAgent
    }

    public var code: Code
    public var description: String
    /// Proxmox's own message, when it sent one.
    public var message: String?

    public init(code: Code, description: String, message: String? = nil) {
        self.code = code
        self.description = description
        self.message = message
    }

    /// The same error, its description prefixed with what was being done:
    /// `cannot read the config of VM 108 on still-fawn: ...`.
    func during(_ action: String) -> ProxmoxError {
        ProxmoxError(code: code, description: "\(action): \(description)", message: message)
    }

    static func configuration(_ text: String) -> ProxmoxError { ProxmoxError(code: .configuration, description: text) }
    static func invalidName(_ text: String) -> ProxmoxError { ProxmoxError(code: .invalidName, description: text) }
    static func connection(_ text: String) -> ProxmoxError { ProxmoxError(code: .connection, description: text) }
    static func timeout(_ text: String) -> ProxmoxError { ProxmoxError(code: .timeout, description: text) }
    static func decoding(_ text: String) -> ProxmoxError { ProxmoxError(code: .decoding, description: text) }
    static func tls(_ text: String) -> ProxmoxError { ProxmoxError(code: .tls, description: text) }

    /// An answer that is not a success: `status` is the HTTP status (for `pvesh`,
    /// the one it prints, or 500), `message` Proxmox's message and `errors` the
    /// per-parameter reasons of a 400. `request` is `GET /nodes/...`, `server` says
    /// where (`the Proxmox API at https://...` or `pvesh on still-fawn.maas`).
    static func answer(
        status: Int, message: String, errors: [String: String] = [:], request: String, server: String, token: ProxmoxToken?
    ) -> ProxmoxError {
        var message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if !errors.isEmpty {
            message += " " + errors.keys.sorted().map { "\($0): \(errors[$0]!.trimmingCharacters(in: .whitespacesAndNewlines))" }
                .joined(separator: "; ")
        }
        if let token { message = redact(message, token) }
        let lowered = message.lowercased()
        switch status {
        case 401:
            let who = token.map { "the token \($0)" } ?? "the credentials"
            return ProxmoxError(
                code: .unauthorized,
                description: "\(server) rejected \(who) (401 \(message)): check PROXMOX_VE_API_TOKEN", message: message)
        case 403:
            let who = token.map { "the token \($0)" } ?? "this user"
            return ProxmoxError(
                code: .forbidden,
                description: "\(server) refused \(request) for \(who) (403 \(message)): give it the privilege, or use a token with it",
                message: message)
        default:
            let code: Code
            if lowered.contains("detected modified configuration") {
                code = .configChanged
            } else if lowered.contains("does not exist") || lowered.contains("no such") || status == 404 || status == 595
                || lowered.contains("hostname lookup")
            {
                code = .notFound
            } else if lowered.contains("guest agent") || lowered.contains("agent error") {
                code = .guestAgent
            } else {
                code = .api(status: status)
            }
            // A server error is the server's: the token and the VMID are not what to check.
            let hint = status >= 500 && code == .api(status: status)
                ? "; a server error, not a credential one (after retries where the request was safe to repeat): "
                    + "the host's logs say why (journalctl -u pveproxy -u pvedaemon)"
                : ""
            return ProxmoxError(code: code, description: "\(request) via \(server) failed (\(status)): \(message)\(hint)", message: message)
        }
    }

    /// `text` with the token's secret replaced, should a server ever echo it.
    static func redact(_ text: String, _ token: ProxmoxToken) -> String {
        token.secret.isEmpty ? text : text.replacingOccurrences(of: token.secret, with: "<secret>")
    }
}
