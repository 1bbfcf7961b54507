import Foundation

/// Runs a command inside a VM through the QEMU guest agent (implemented by the
/// Proxmox client, which sits above this module).
public protocol GuestAgentExecutor: Sendable {
    func execute(_ arguments: [String], stdin: Data?) async throws(RemoteError) -> CommandOutput
}

/// Commands in one VM, by SSH when it works and through the guest agent when it
/// does not: the blueprint's lesson that scripts 06-08 failed because SSH to the
/// K3s VMs was broken. The first command tries SSH; if SSH cannot connect, the guest
/// agent is used, and whichever worked is kept for every later command (and is
/// what the journal records). When the kept method stops working (the VM rebooted
/// with SSH fixed, say), the other is tried before giving up; an error names both
/// attempts. A changed SSH host key is not "SSH does not work": it is reported and
/// nothing else is tried, so that a possible interception is never routed around.
public actor VMShell {
    public nonisolated let host: String
    private let ssh: SSHClient
    private let agent: (any GuestAgentExecutor)?
    public private(set) var method: RemoteMethod?

    /// - Parameters:
    ///   - host: the VM's SSH name (an ssh_config alias such as `k3s-vm-still-fawn`).
    ///   - agent: the VM's guest agent, or nil when it has none.
    public init(host: String, ssh: SSHClient, agent: (any GuestAgentExecutor)?) {
        self.host = host
        self.ssh = ssh
        self.agent = agent
    }

    /// Runs `arguments` and says which method ran it.
    public func run(_ arguments: [String], stdin: Data? = nil) async throws(RemoteError) -> (output: CommandOutput, method: RemoteMethod) {
        var attempts: [RemoteError.Attempt] = []
        for candidate in order() {
            do {
                let output = try await execute(arguments, stdin: stdin, with: candidate)
                method = candidate
                return (output, candidate)
            } catch where error.hostKeyChange != nil {
                throw error
            } catch {
                attempts += error.attempts
            }
        }
        if agent == nil { attempts.append(.init(method: .guestAgent, reason: "the VM has no guest agent configured")) }
        throw RemoteError(host: host, attempts: attempts)
    }

    /// Finds a working method without running anything that changes the VM.
    public func probe() async throws(RemoteError) -> RemoteMethod {
        try await run(["true"]).method
    }

    private func order() -> [RemoteMethod] {
        let all: [RemoteMethod] = agent == nil ? [.ssh] : [.ssh, .guestAgent]
        guard let method else { return all }
        return [method] + all.filter { $0 != method }
    }

    private func execute(_ arguments: [String], stdin: Data?, with candidate: RemoteMethod) async throws(RemoteError) -> CommandOutput {
        switch candidate {
        case .ssh: return try await ssh.run(arguments, on: host, stdin: stdin)
        case .guestAgent: return try await agent!.execute(arguments, stdin: stdin)
        }
    }
}
