/// Why the homelab refused an operation, worded as Proxmox words it (the Proxmox API
/// server sends `message` as the HTTP reason and in the body, with `status`).
public struct HomelabError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status Proxmox answers with (500 for most failures, 400 for bad parameters).
    public var status: Int
    /// Proxmox's message, without the trailing newline it adds.
    public var message: String
    /// Per-parameter errors for a 400 ("Parameter verification failed.").
    public var errors: [String: String]

    public var description: String {
        errors.isEmpty ? message : message + " " + errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    }

    static func failure(_ message: String, status: Int = 500) -> HomelabError {
        HomelabError(status: status, message: message, errors: [:])
    }

    static func parameters(_ errors: [String: String]) -> HomelabError {
        HomelabError(status: 400, message: "Parameter verification failed.", errors: errors)
    }

    static func noConfig(vmid: Int, node: String) -> HomelabError {
        .failure("Configuration file 'nodes/\(node)/qemu-server/\(vmid).conf' does not exist")
    }

    static func noSuchNode(_ node: String) -> HomelabError {
        .failure("hostname lookup '\(node)' failed - failed to get address info for: \(node): Name or service not known", status: 595)
    }

    static func notRunning(_ vmid: Int) -> HomelabError { .failure("VM \(vmid) not running") }

    static func alreadyRunning(_ vmid: Int) -> HomelabError { .failure("VM \(vmid) already running") }

    static let agentNotConfigured = HomelabError.failure("No QEMU guest agent configured")

    static let agentNotRunning = HomelabError.failure("QEMU guest agent is not running")

    static let digestMismatch = HomelabError.failure("detected modified configuration - file changed by other user? Try again.")

    static func noSuchTask(_ upid: String) -> HomelabError { .failure("no such task", status: 500) }

    static func noSuchDevice(_ name: String) -> HomelabError {
        .failure("the lab has no device named '\(name)'", status: 404)
    }

    static func noSuchPid(_ pid: Int) -> HomelabError {
        .failure("Agent error: Invalid parameter 'pid'")
    }
}
