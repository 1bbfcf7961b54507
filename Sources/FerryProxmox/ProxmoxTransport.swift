import FerryJSON

/// How `ProxmoxClient` reaches Proxmox VE: the HTTPS API (`HTTPSTransport`) or
/// `pvesh` on a host over SSH (`SSHTransport`). Both take the same API paths
/// (relative to `/api2/json`, e.g. `/nodes/still-fawn/qemu/108/config`) and return
/// the same JSON, the `data` member of the API's answer, so the client's models do
/// not depend on the transport.
///
/// Paths are built by the client from validated names; a transport sends
/// parameters as values, never as code (form-encoded over HTTPS, separate
/// arguments over SSH).
public protocol ProxmoxTransport: Sendable {
    /// Where requests go, for messages: `the Proxmox API at https://...`, `pvesh on still-fawn.maas`.
    var server: String { get }

    func get(_ path: String, query: [(String, String)]) async throws(ProxmoxError) -> JSON
    /// `POST` (`pvesh create`): actions such as `status/reboot`, `agent/exec`.
    func post(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON
    /// `PUT` (`pvesh set`): synchronous config changes.
    func put(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON
}

extension ProxmoxTransport {
    public func get(_ path: String) async throws(ProxmoxError) -> JSON {
        try await get(path, query: [])
    }
}

/// Checks on what a transport is about to send.
enum ProxmoxParameterCheck {
    /// Parameter keys are schema names: `usb0`, `delete`, `input-data`.
    static func key(_ key: String) throws(ProxmoxError) {
        guard !key.isEmpty, key.count <= 64,
            key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }),
            key.first?.isLetter == true
        else {
            throw .invalidName("'\(key)' is not a Proxmox parameter name (lowercase letters, digits, '-' and '_')")
        }
    }

    /// API paths: `/` then segments of letters, digits and `-_.:@!=`, as the client builds them.
    static func path(_ path: String) throws(ProxmoxError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@!=/")
        guard path.hasPrefix("/"), !path.contains("//"), !path.contains(".."), path.allSatisfy({ allowed.contains($0) }) else {
            throw .invalidName("'\(path)' is not a Proxmox API path ferry sends")
        }
    }
}
