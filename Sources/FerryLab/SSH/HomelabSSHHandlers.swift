import Foundation

/// A Proxmox host's sshd in the lab: its command lines go to `HostCommands`
/// (`qm`, `pvesh`, `lsusb`, ...), run as root whatever the login.
public struct HostSSHHandler: SSHCommandHandler {
    public let commands: HostCommands

    public init(homelab: Homelab, host: String) {
        self.commands = HostCommands(homelab: homelab, host: host)
    }

    public func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult {
        await commands.homelab.waitAPILatency()
        return SSHCommandResult(await commands.run(commandLine: commandLine, stdin: String(decoding: stdin, as: UTF8.self)))
    }
}

/// A K3s VM's sshd in the lab: its command lines go to `VMCommands` as the user the
/// client logged in as (`ubuntu` needs `sudo` where root does not).
public struct VMSSHHandler: SSHCommandHandler {
    public let homelab: Homelab
    public let vmid: Int

    public init(homelab: Homelab, vmid: Int) {
        self.homelab = homelab
        self.vmid = vmid
    }

    public func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult {
        await homelab.waitAPILatency()
        let commands = VMCommands(homelab: homelab, vmid: vmid, user: user)
        return SSHCommandResult(await commands.run(commandLine: commandLine, stdin: String(decoding: stdin, as: UTF8.self)))
    }
}

extension SSHCommandResult {
    /// The homelab's text result as the bytes SSH carries (UTF-8).
    public init(_ result: CommandResult) {
        self.init(stdout: result.stdout, stderr: result.stderr, exitStatus: result.exitCode)
    }
}

extension LabSSH {
    /// The SSH name of a Proxmox host: its name in the MAAS domain, as the blueprint
    /// reaches them (`still-fawn` -> `still-fawn.maas`).
    public static func hostName(_ host: String) -> String { host + ".maas" }

    /// Starts an endpoint for each host of `homelab` (`NAME.maas`, user root) and each
    /// VM (its name, user ubuntu), with `refused` naming endpoints that start with the
    /// `refused` fault on.
    public static func start(directory: URL, homelab: Homelab, refused: Set<String> = []) async throws -> LabSSH {
        var handlers: [String: any SSHCommandHandler] = [:]
        var users: [String: String] = [:]
        for host in homelab.hosts {
            handlers[hostName(host.name)] = HostSSHHandler(homelab: homelab, host: host.name)
        }
        for vm in await homelab.virtualMachines {
            handlers[vm.name] = VMSSHHandler(homelab: homelab, vmid: vm.vmid)
            users[vm.name] = "ubuntu"
        }
        return try await start(directory: directory, handlers: handlers, users: users, refused: refused)
    }
}

extension Homelab {
    /// The `apiLatency` fault, which every endpoint of the lab applies before answering.
    func waitAPILatency() async {
        let delay = faults.apiLatency
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
