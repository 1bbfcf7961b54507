import FerryTestSupport
import Foundation
import Testing

@testable import FerryLab

/// The homelab's SSH names: Proxmox hosts log in as root, K3s VMs as ubuntu.
enum SSHName {
    static let piglet = "pumped-piglet.maas"
    static let fawn = "still-fawn.maas"
    static let pve = "pve.maas"
    static let gpuVM = "k3s-vm-pumped-piglet-gpu"
    static let fawnVM = "k3s-vm-still-fawn"
    static let pveVM = "k3s-vm-pve"

    static let hosts = [piglet, fawn, pve]
    static let vms = [gpuVM, fawnVM, pveVM]
}

/// A machine that answers a few commands the way a Proxmox host or a VM would, and
/// everything else the way bash does.
struct FakeMachine: SSHCommandHandler {
    static let lsusb = """
        Bus 002 Device 001: ID 1d6b:0003 Linux Foundation 3.0 root hub
        Bus 002 Device 003: ID 18d1:9302 Google Inc.
        Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub

        """

    let name: String

    func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult {
        switch commandLine {
        case "lsusb": return SSHCommandResult(stdout: Self.lsusb)
        case "hostname": return SSHCommandResult(stdout: name + "\n")
        case "whoami": return SSHCommandResult(stdout: user + "\n")
        case "cat": return SSHCommandResult(stdout: stdin)
        case "wc -c": return SSHCommandResult(stdout: "\(stdin.count)\n")
        case "qm config 108": return SSHCommandResult(stdout: "boot: order=scsi0\nusb0: host=18d1:9302,usb3=1\n")
        case "both": return SSHCommandResult(stdout: "out, no newline", stderr: "err: ünïcode\n", exitStatus: 3)
        default:
            let word = commandLine.split(separator: " ").first.map(String.init) ?? commandLine
            return SSHCommandResult(stderr: "bash: \(word): command not found\n", exitStatus: 127)
        }
    }
}

/// What one ssh run printed and how it ended.
struct SSHRun: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: Data
    var stderr: String

    var output: String { String(decoding: stdout, as: UTF8.self) }
    var description: String { "ssh \(arguments.joined(separator: " ")) -> exit \(status)\nstdout: \(output)\nstderr: \(stderr)" }
}

/// A running LabSSH with the homelab's six machines in a short temporary directory
/// (short, because a ControlPath socket's path must fit in 104 bytes).
struct SSHFixture: Sendable {
    static let sshPath = "/usr/bin/ssh"

    let ssh: LabSSH
    let directory: URL

    static func with<T: Sendable>(refused: Set<String> = [], _ body: (SSHFixture) async throws -> T) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp/fs-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var handlers: [String: any SSHCommandHandler] = [:]
        for name in SSHName.hosts + SSHName.vms { handlers[name] = FakeMachine(name: name) }
        let users = Dictionary(uniqueKeysWithValues: SSHName.vms.map { ($0, "ubuntu") })
        let ssh: LabSSH
        do {
            ssh = try await LabSSH.start(directory: directory, handlers: handlers, users: users, refused: refused)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let fixture = SSHFixture(ssh: ssh, directory: directory)
        do {
            let result = try await body(fixture)
            await ssh.stop()
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            await ssh.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// `ssh -F DIR/ssh_config -o BatchMode=yes -o ConnectTimeout=5 OPTIONS... TARGET COMMAND...`,
    /// stdin from /dev/null unless `stdin` is given (a file's contents) or `openStdin`
    /// (a pipe nobody writes to or closes while ssh runs).
    func run(
        _ target: String, _ command: [String], options: [String] = [], config: URL? = nil, stdin: Data? = nil,
        openStdin: Bool = false
    ) async throws -> SSHRun {
        let arguments = ["-F", (config ?? ssh.configPath).path, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]
            + options + [target] + command
        let id = UUID().uuidString
        let out = directory.appendingPathComponent("ssh-\(id).out")
        let err = directory.appendingPathComponent("ssh-\(id).err")
        var input = TestProcess.Input.none
        if let stdin {
            let file = directory.appendingPathComponent("ssh-\(id).in")
            try stdin.write(to: file)
            input = .file(file)
        } else if openStdin {
            input = .openPipe
        }
        let status = try await TestProcess(Self.sshPath, arguments, stdin: input, stdout: .file(out), stderr: err).wait().status
        return SSHRun(
            arguments: arguments, status: status, stdout: (try? Data(contentsOf: out)) ?? Data(),
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs and requires exit 0, returning stdout.
    @discardableResult
    func succeed(_ target: String, _ command: String..., options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let result = try await run(target, command, options: options)
        try #require(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return result.output
    }
}
