import Foundation

/// The commands a K3s VM of the lab answers, whether they arrive through the QEMU
/// guest agent (`agent/exec`) or over SSH: `uptime`, `hostname`, `lsusb [-d ID]`,
/// `lspci [-nn] [-D]`, `ls PATH` (for `/dev/...`), `nvidia-smi -L`, `dpkg -s PKG`,
/// `apt-get install -y PKG...`, `systemctl is-active UNIT`, `systemctl restart k3s-agent`, inside the small shell
/// of `CommandShell` (`sh -c`, `|`, `&&`, `grep`, `sudo`). Anything else: exit 127.
///
/// ```swift
/// let result = await VMCommands(homelab: homelab, vmid: 108).run(["lsusb", "-d", "18d1:"])
/// ```
public struct VMCommands: Sendable {
    public let homelab: Homelab
    public let vmid: Int
    /// Who runs the commands: `root` through the agent, the SSH login otherwise.
    public var user: String

    public init(homelab: Homelab, vmid: Int, user: String = "root") {
        self.homelab = homelab
        self.vmid = vmid
        self.user = user
    }

    public func run(_ argv: [String], stdin: String = "") async -> CommandResult {
        guard let vm = await homelab.vm(vmid), vm.isUp else {
            return .failure("VM \(vmid) is not running an operating system that answers", exitCode: 255)
        }
        let shell = CommandShell(program: { argv, stdin, root in await execute(argv, stdin: stdin, root: root) }, root: user == "root")
        return await shell.run(argv, stdin: stdin)
    }

    /// Splits `commandLine` as a shell would (for SSH, which sends one string).
    public func run(commandLine: String, stdin: String = "") async -> CommandResult {
        guard let argv = try? ShellWords.split(commandLine) else {
            return .failure("bash: -c: line 1: unexpected EOF while looking for matching quote", exitCode: 2)
        }
        return await run(argv, stdin: stdin)
    }

    private func execute(_ argv: [String], stdin: String, root: Bool) async -> CommandResult? {
        guard let vm = await homelab.vm(vmid) else { return nil }
        let visible = await homelab.devicesVisible(inVM: vmid)
        let args = Array(argv.dropFirst())
        switch argv[0] {
        case "uptime": return .ok(GuestText.uptime(since: vm.bootedAt ?? Date()))
        case "hostname": return .ok(vm.name)
        case "whoami": return .ok(root ? "root" : user)
        case "lsusb" where vm.packages.contains("usbutils"):
            return GuestText.lsusb(Self.usbLines(visible), filter: args)
        case "lspci" where vm.packages.contains("pciutils"):
            // QEMU puts the passed cards on buses of its own, in the order of the VM's lines.
            let cards = visible.filter { $0.kind == .pci }.enumerated().map { index, device in
                (address: String(format: "0000:%02x:00.0", index + 1), device: device)
            }
            return GuestText.lspci(cards, args: args)
        case "ls": return GuestText.ls(args, entries: Self.devEntries(visible))
        case "nvidia-smi" where vm.packages.contains(where: { $0.hasPrefix("nvidia-driver") }):
            guard let gpu = visible.first(where: { $0.kind == .pci && $0.identity.vendorID == "10de" }) else {
                return .failure("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.", exitCode: 9)
            }
            return .ok("GPU 0: NVIDIA \(gpu.identity.productName.replacingOccurrences(of: "GA102 [", with: "").replacingOccurrences(of: "]", with: "")) (UUID: GPU-\(vmid)0f1c2d-8a4b-4c11-9e2f-3b5a7d9c1e01)")
        case "dpkg": return GuestText.dpkgStatus(args, installed: vm.packages)
        case "apt-get", "apt": return await aptGet(args, root: root, installed: vm.packages)
        case "systemctl":
            if args.first == "restart", args.count == 2, ["k3s", "k3s-agent"].contains(args[1].replacingOccurrences(of: ".service", with: "")) {
                guard root else { return .failure("Failed to restart \(args[1]).service: Access denied", exitCode: 4) }
                await homelab.restartK3s(inVM: vmid)
                return .ok("")
            }
            guard args.first == "is-active", args.count >= 2 else { return .failure("systemctl: only is-active and restart k3s|k3s-agent are available in the lab") }
            let agent = await homelab.agentResponds(vmid)
            let active = Set(["k3s", "k3s-agent", "ssh", "sshd", "containerd"] + (agent ? ["qemu-guest-agent"] : []))
            let states = args.dropFirst().map { active.contains($0.replacingOccurrences(of: ".service", with: "")) }
            return CommandResult(stdout: states.map { $0 ? "active\n" : "inactive\n" }.joined(), exitCode: states.allSatisfy { $0 } ? 0 : 3)
        default: return nil
        }
    }

    private func aptGet(_ args: [String], root: Bool, installed: Set<String>) async -> CommandResult {
        guard let verb = args.first(where: { !$0.hasPrefix("-") }) else { return .failure("E: Invalid operation", exitCode: 100) }
        guard root else {
            return .failure("""
                E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)
                E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?
                """, exitCode: 100)
        }
        switch verb {
        case "update": return .ok("Hit:1 http://archive.ubuntu.com/ubuntu noble InRelease\nReading package lists...")
        case "install":
            let names = args.drop { $0 != "install" }.dropFirst().filter { !$0.hasPrefix("-") }
            let available = homelab.aptPackages
            if let unknown = names.first(where: { !available.contains($0) && !installed.contains($0) }) {
                return CommandResult(stdout: "Reading package lists...\n", stderr: "E: Unable to locate package \(unknown)\n", exitCode: 100)
            }
            let new = names.filter { !installed.contains($0) }
            await homelab.install(Array(names), inVM: vmid)
            return .ok(GuestText.aptInstall(new: new, already: names.filter { installed.contains($0) }))
        default: return .failure("E: Invalid operation \(verb)", exitCode: 100)
        }
    }

    /// `lsusb` lines inside the VM: QEMU's root hubs and tablet, then the passed devices.
    static func usbLines(_ visible: [Device]) -> [(id: String, line: String)] {
        var lines: [(String, String)] = [
            ("1d6b:0002", "Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub"),
            ("0627:0001", "Bus 001 Device 002: ID 0627:0001 Adomax Technology Co., Ltd QEMU Tablet"),
            ("1d6b:0003", "Bus 002 Device 001: ID 1d6b:0003 Linux Foundation 3.0 root hub"),
        ]
        for (bus, number, device) in Homelab.guestUSBAddresses(visible) {
            lines.append((device.identity.id, device.lsusbLine(bus: bus, device: number)))
        }
        return lines
    }

    /// What `ls` finds under `/dev` in the VM.
    static func devEntries(_ visible: [Device]) -> [String: [String]] {
        var entries: [String: [String]] = ["/dev/bus/usb": ["001", "002"], "/dev/bus/usb/001": ["001", "002"]]
        entries["/dev/bus/usb/002"] = ["001"] + Homelab.guestUSBAddresses(visible).map { String(format: "%03d", $0.device) }
        if visible.contains(where: \.providesDRI) { entries["/dev/dri"] = ["card0", "renderD128"] }
        return entries
    }
}
