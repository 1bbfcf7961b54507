import FerryJSON
import FerryRemote
import Foundation

/// The QEMU guest agent through Proxmox: `ping`, and `exec` followed by
/// `exec-status` polls until the command exited. Proxmox hands back the output
/// already decoded from the agent's base64, as text.
///
/// ```swift
/// try await client.agentPing(node: "still-fawn", vmid: 108)
/// let output = try await client.agentExec(node: "still-fawn", vmid: 108, arguments: ["lsusb", "-d", "18d1:"])
/// ```
extension ProxmoxClient {
    /// Succeeds when the agent answers; `.guestAgent` when it is not configured or not running.
    public func agentPing(node: String, vmid: Int) async throws(ProxmoxError) {
        try check(node, vmid)
        do {
            _ = try await transport.post("/nodes/\(node)/qemu/\(vmid)/agent/ping", parameters: [])
        } catch {
            throw error.during("the guest agent of VM \(vmid) on \(node) does not answer")
        }
    }

    /// Runs `arguments` in the guest (no shell: the first is the program) and waits
    /// for it to exit. A non-zero exit is returned, not thrown. `stdin` must be UTF-8
    /// text (Proxmox passes it as a string).
    public func agentExec(
        node: String, vmid: Int, arguments: [String], stdin: Data? = nil, timeout: Duration = .seconds(60)
    ) async throws(ProxmoxError) -> CommandOutput {
        try check(node, vmid)
        guard !arguments.isEmpty else { throw .invalidName("no command to run in VM \(vmid)") }
        let commandLine = ShellQuoting.commandLine(arguments)
        var parameters = arguments.map { ("command", $0) }
        if let stdin, !stdin.isEmpty {
            guard let text = String(data: stdin, encoding: .utf8) else {
                throw .invalidName("the input for `\(commandLine)` in VM \(vmid) is not UTF-8 text, which the guest agent needs")
            }
            parameters.append(("input-data", text))
        }
        let base = "/nodes/\(node)/qemu/\(vmid)/agent"
        let pid: Int
        do throws(ProxmoxError) {
            let started = try await transport.post(base + "/exec", parameters: parameters)
            guard let number = started["pid"].proxmoxInt else {
                throw ProxmoxError.decoding("expected a pid, got \(started.serialized.prefix(100))")
            }
            pid = number
        } catch {
            throw error.during("cannot run `\(commandLine)` in VM \(vmid) on \(node) through the guest agent")
        }
        let status = try await poll(timeout: timeout) { () async throws(ProxmoxError) -> JSON? in
            do throws(ProxmoxError) {
                let status = try await transport.get(base + "/exec-status", query: [("pid", String(pid))])
                // `.none`, not `nil`: JSON is ExpressibleByNilLiteral, so `nil` would be `.null`.
                return status["exited"].proxmoxFlag ? .some(status) : .none
            } catch {
                throw error.during("`\(commandLine)` in VM \(vmid) on \(node) (guest agent pid \(pid))")
            }
        }
        guard let status else {
            throw .timeout("`\(commandLine)` in VM \(vmid) on \(node) is still running after \(timeout) (guest agent pid \(pid))")
        }
        return Self.output(status)
    }

    /// `exitcode`, `out-data`, `err-data`; a command killed by a signal exits 128+N, as in a shell.
    static func output(_ status: JSON) -> CommandOutput {
        var exitCode = Int32(clamping: status["exitcode"].proxmoxInt ?? 0)
        if status["exitcode"].isNull, let signal = status["signal"].proxmoxInt { exitCode = Int32(clamping: 128 + signal) }
        return CommandOutput(
            stdout: Data((status["out-data"].stringValue ?? "").utf8), stderr: Data((status["err-data"].stringValue ?? "").utf8),
            exitCode: exitCode)
    }

    /// The guest agent of one VM, for `VMShell`'s fallback when SSH to the VM fails.
    public func guestAgent(node: String, vmid: Int, timeout: Duration = .seconds(60)) -> ProxmoxGuestAgent {
        ProxmoxGuestAgent(client: self, node: node, vmid: vmid, timeout: timeout)
    }
}
