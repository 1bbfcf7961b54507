import FerryRemote
import Foundation

/// One VM's QEMU guest agent as a `GuestAgentExecutor`, so that `VMShell` runs a
/// command there when SSH to the VM does not work (the blueprint's broken-SSH VMs).
///
/// ```swift
/// let agent = client.guestAgent(node: "still-fawn", vmid: 108)
/// let shell = VMShell(host: "k3s-vm-still-fawn", ssh: ssh, agent: agent)
/// let (output, method) = try await shell.run(["lsusb"])   // method == .guestAgent if SSH is down
/// ```
public struct ProxmoxGuestAgent: GuestAgentExecutor {
    public let client: ProxmoxClient
    public let node: String
    public let vmid: Int
    /// How long one command may run.
    public var timeout: Duration

    public init(client: ProxmoxClient, node: String, vmid: Int, timeout: Duration = .seconds(60)) {
        self.client = client
        self.node = node
        self.vmid = vmid
        self.timeout = timeout
    }

    /// Runs `arguments`; every failure to run it at all (agent down, Proxmox
    /// unreachable) is a `RemoteError` naming the guest agent.
    public func execute(_ arguments: [String], stdin: Data?) async throws(RemoteError) -> CommandOutput {
        do {
            return try await client.agentExec(node: node, vmid: vmid, arguments: arguments, stdin: stdin, timeout: timeout)
        } catch {
            throw .unreachable(host: "VM \(vmid) on \(node)", method: .guestAgent, reason: error.description)
        }
    }
}
