import Foundation
import FerryJSON

/// The commands a Proxmox host of the lab answers over SSH (as root):
/// `qm config|set|start|stop|shutdown|reboot|status|list|guest exec|guest cmd`,
/// `pvesh get|set|create PATH [--output-format json]` (the same API as HTTPS),
/// `lsusb [-d ID]`, `lspci [-nn] [-D]`, `ls /dev/dri`, `uptime`, `hostname`, inside `CommandShell`.
/// Errors print as `qm` prints them and exit 255; `400 Parameter verification
/// failed.` lists the parameters.
///
/// ```swift
/// await HostCommands(homelab: homelab, host: "still-fawn").run(["qm", "guest", "exec", "108", "--", "lsusb"])
/// ```
public struct HostCommands: Sendable {
    public let homelab: Homelab
    public let host: String

    public init(homelab: Homelab, host: String) {
        self.homelab = homelab
        self.host = host
    }

    public func run(_ argv: [String], stdin: String = "") async -> CommandResult {
        guard await homelab.hostPower(host) == .on else {
            return .failure("ssh: connect to host \(host) port 22: No route to host", exitCode: 255)
        }
        let shell = CommandShell(program: { argv, stdin, _ in await execute(argv, stdin: stdin) }, root: true)
        return await shell.run(argv, stdin: stdin)
    }

    /// Splits `commandLine` as a shell would (for SSH, which sends one string).
    public func run(commandLine: String, stdin: String = "") async -> CommandResult {
        guard let argv = try? ShellWords.split(commandLine) else {
            return .failure("bash: -c: line 1: unexpected EOF while looking for matching quote", exitCode: 2)
        }
        return await run(argv, stdin: stdin)
    }

    private func execute(_ argv: [String], stdin: String) async -> CommandResult? {
        let args = Array(argv.dropFirst())
        do {
            switch argv[0] {
            case "qm": return try await qm(args)
            case "pvesh": return try await pvesh(args)
            case "hostname": return .ok(host)
            case "uptime": return .ok(GuestText.uptime(since: Date().addingTimeInterval(-30 * 86_400)))
            case "lsusb":
                let devices = await homelab.devices(onHost: host).filter { $0.kind == .usb }
                var lines: [(id: String, line: String)] = [
                    ("1d6b:0002", "Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub"),
                    ("1d6b:0003", "Bus 002 Device 001: ID 1d6b:0003 Linux Foundation 3.0 root hub"),
                ]
                lines += devices.map { ($0.identity.id, $0.lsusbLine(bus: $0.busnum, device: $0.devnum)) }
                lines.sort { $0.line < $1.line }
                return GuestText.lsusb(lines, filter: args)
            case "lspci":
                let cards = await homelab.devices(onHost: host).filter { $0.kind == .pci }.map { (address: $0.pciAddress ?? "0000:00:00.0", device: $0) }
                return GuestText.lspci(cards.sorted { $0.address < $1.address }, args: args)
            case "ls":
                let dri = await homelab.devices(onHost: host).contains(where: \.providesDRI)
                return GuestText.ls(args, entries: dri ? ["/dev/dri": ["by-path", "card0", "renderD128"]] : [:])
            default: return nil
            }
        } catch {
            return error.errors.isEmpty
                ? .failure(error.message, exitCode: 255)
                : .failure("400 Parameter verification failed.\n" + error.errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"), exitCode: 255)
        }
    }

    // MARK: qm

    private func qm(_ args: [String]) async throws(HomelabError) -> CommandResult {
        guard let verb = args.first else { return .failure("ERROR: no command specified", exitCode: 255) }
        if verb == "list" { return .ok(await qmList()) }
        if verb == "guest" { return try await qmGuest(Array(args.dropFirst())) }
        guard args.count >= 2, let vmid = Int(args[1]) else {
            return .failure("400 not enough arguments\nqm \(verb) <vmid> [OPTIONS]", exitCode: 255)
        }
        let options = Self.options(Array(args.dropFirst(2)))
        _ = try await homelab.machine(vmid, on: host)
        switch verb {
        case "config":
            return .ok(try await homelab.config(vmid, node: host, current: options.flag("current")).text)
        case "set":
            var changes: [String: String] = [:]
            for key in options.keys where !["delete", "digest", "skiplock"].contains(key) { changes[key] = options[key] }
            let delete = options.all("delete").flatMap { $0.split(separator: ",").map(String.init) }
            try await homelab.updateConfig(vmid, node: host, set: changes, delete: delete, digest: options["digest"])
            let described = changes.keys.sorted().map { "-\($0) \(changes[$0]!)" } + (delete.isEmpty ? [] : ["-delete \(delete.joined(separator: ","))"])
            return .ok("update VM \(vmid): \(described.joined(separator: " "))")
        case "start", "stop", "shutdown", "reboot":
            let upid: String
            switch verb {
            case "start": upid = try await homelab.start(vmid, node: host)
            case "stop": upid = try await homelab.stop(vmid, node: host)
            case "shutdown": upid = try await homelab.shutdown(vmid, node: host)
            default: upid = try await homelab.reboot(vmid, node: host)
            }
            let task = try await homelab.waitForTask(upid)
            return task.exitStatus == "OK" ? CommandResult() : .failure(task.exitStatus ?? "task failed", exitCode: 255)
        case "status":
            let vm = try await homelab.machine(vmid, on: host)
            return .ok("status: \(vm.power.rawValue)")
        default:
            return .failure("unknown command 'qm \(verb)'", exitCode: 255)
        }
    }

    /// `qm guest exec VMID [--timeout N] -- CMD...` and `qm guest cmd VMID ping`.
    private func qmGuest(_ args: [String]) async throws(HomelabError) -> CommandResult {
        guard args.count >= 2, let vmid = Int(args[1]) else { return .failure("400 not enough arguments", exitCode: 255) }
        _ = try await homelab.machine(vmid, on: host)
        switch args[0] {
        case "cmd" where args.count >= 3 && args[2] == "ping":
            try await homelab.agentPing(vmid, node: host)
            return CommandResult()
        case "exec":
            var command = Array(args.dropFirst(2))
            if let separator = command.firstIndex(of: "--") { command = Array(command[command.index(after: separator)...]) }
            let pid = try await homelab.agentExec(vmid, node: host, command: command)
            while true {
                if let result = try await homelab.agentExecStatus(vmid, node: host, pid: pid) {
                    return .ok(ProxmoxViews.execStatus(result).pretty)
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        default:
            return .failure("unknown command 'qm guest \(args[0])'", exitCode: 255)
        }
    }

    private func qmList() async -> String {
        var lines = ["      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       "]
        for vm in await homelab.virtualMachines where vm.host == host {
            let name = vm.name.padding(toLength: max(20, vm.name.count), withPad: " ", startingAt: 0)
            let status = vm.power.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append(String(format: "%10d ", vm.vmid) + "\(name) \(status) " + String(format: "%-10d %-12.2f %-10d", vm.config.memoryMiB, 200.0, vm.pid ?? 0))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: pvesh

    private func pvesh(_ args: [String]) async throws(HomelabError) -> CommandResult {
        guard args.count >= 2 else { return .failure("400 not enough arguments\npvesh <get|set|create|delete> <api_path>", exitCode: 255) }
        let methods = ["get": "GET", "set": "PUT", "create": "POST", "delete": "DELETE"]
        guard let method = methods[args[0]] else { return .failure("unknown command 'pvesh \(args[0])'", exitCode: 255) }
        var options = Self.options(Array(args.dropFirst(2)))
        let format = options["output-format"] ?? "text"
        var parameters = ProxmoxParameters()
        for key in options.keys where key != "output-format" {
            for value in options.all(key) { parameters.add(key, value) }
        }
        options = parameters
        let data = try await ProxmoxAPI(homelab: homelab).call(method, args[1], options, user: "root@pam")
        switch format {
        case "json": return .ok(data.serialized)
        case "json-pretty": return .ok(data.pretty)
        default: return .ok(data.stringValue ?? data.pretty)
        }
    }

    /// `--key value` and `--flag` pairs, in order, repeatable.
    static func options(_ args: [String]) -> ProxmoxParameters {
        var parameters = ProxmoxParameters()
        var index = 0
        while index < args.count {
            let arg = args[index]
            guard arg.hasPrefix("-") else { index += 1; continue }
            let key = String(arg.drop { $0 == "-" })
            if index + 1 < args.count, !args[index + 1].hasPrefix("--") {
                parameters.add(key, args[index + 1])
                index += 2
            } else {
                parameters.add(key, "1")
                index += 1
            }
        }
        return parameters
    }
}
