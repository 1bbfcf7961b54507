import Foundation
import Testing

@testable import FerryLab

/// The lab's SSH endpoints, driven by the real OpenSSH client with the files the lab
/// writes (`ssh -F DIR/ssh_config NAME COMMAND`), host keys verified.
@Suite("Lab SSH endpoints")
struct SSHTests {
    @Test("stdout, stderr and the exit status reach ssh byte for byte")
    func outputPassesThrough() async throws {
        try await SSHFixture.with { lab in
            let lsusb = try await lab.run(SSHName.fawn, ["lsusb"])
            #expect(lsusb.status == 0)
            #expect(lsusb.output == FakeMachine.lsusb)
            #expect(lsusb.stderr == "")

            let both = try await lab.run(SSHName.piglet, ["both"])
            #expect(both.status == 3)
            #expect(both.stdout == Data("out, no newline".utf8))
            #expect(both.stderr == "err: ünïcode\n")

            #expect(try await lab.succeed(SSHName.pve, "qm", "config", "108") == "boot: order=scsi0\nusb0: host=18d1:9302,usb3=1\n")
        }
    }

    @Test("an unknown command exits 127 with bash's message, as over a real sshd")
    func unknownCommand() async throws {
        try await SSHFixture.with { lab in
            let result = try await lab.run(SSHName.fawnVM, ["foo", "--bar"])
            #expect(result.status == 127)
            #expect(result.output == "")
            #expect(result.stderr == "bash: foo: command not found\n")
        }
    }

    @Test("each name reaches its own endpoint, as the user ssh_config names or the one the client sends")
    func namesAndUsers() async throws {
        try await SSHFixture.with { lab in
            for name in SSHName.hosts + SSHName.vms {
                let hostname = try await lab.succeed(name, "hostname")
                #expect(hostname == name + "\n")
            }
            let host = try await lab.succeed(SSHName.fawn, "whoami")
            let vm = try await lab.succeed(SSHName.fawnVM, "whoami")
            let explicit = try await lab.succeed("admin@" + SSHName.fawnVM, "whoami")
            #expect(host == "root\n")
            #expect(vm == "ubuntu\n")
            #expect(explicit == "admin\n")
        }
    }

    @Test("stdin reaches the command whole; an open stdin with nothing on it does not hang the command")
    func standardInput() async throws {
        try await SSHFixture.with { lab in
            var generator = SystemRandomNumberGenerator()
            let data = Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let echoed = try await lab.run(SSHName.pve, ["cat"], stdin: data)
            #expect(echoed.status == 0, "\(echoed.stderr)")
            #expect(echoed.stdout == data)

            let closed = try await lab.run(SSHName.pve, ["wc", "-c"])
            #expect(closed.output == "0\n")

            let open = try await lab.run(SSHName.pve, ["wc", "-c"], openStdin: true)
            #expect(open.status == 0, "\(open)")
            #expect(open.output == "0\n")
        }
    }

    @Test("a login without a command gets a message and exit 1: the lab runs commands, not shells")
    func noShell() async throws {
        try await SSHFixture.with { lab in
            let result = try await lab.run(SSHName.fawn, [])
            #expect(result.status == 1)
            #expect(result.stderr.contains("interactive shells are not supported"))
        }
    }

    @Test("a client key other than the lab's is refused")
    func unknownClientKey() async throws {
        try await SSHFixture.with { lab in
            let stranger = lab.directory.appendingPathComponent("stranger")
            try await SSHKeys.generate(at: stranger, comment: "stranger")
            let config = lab.directory.appendingPathComponent("stranger_config")
            let text = try String(contentsOf: lab.ssh.configPath, encoding: .utf8)
                .replacingOccurrences(of: lab.ssh.keys.privateKeyPath.path, with: stranger.path)
            try SSHConfigWriter.writePrivate(text, to: config)

            let result = try await lab.run(SSHName.fawn, ["lsusb"], config: config)
            #expect(result.status == 255)
            #expect(result.stderr.contains("Permission denied (publickey)"), "\(result)")
            #expect(result.output == "")
        }
    }

    @Test("a host key that does not match known_hosts is refused, and so is a host missing from it")
    func hostKeyVerification() async throws {
        try await SSHFixture.with { lab in
            let known = try String(contentsOf: lab.ssh.knownHostsPath, encoding: .utf8)
            let pveKey = try lab.ssh.endpoint(SSHName.pve).hostKey.keyText
            let fawnKey = try lab.ssh.endpoint(SSHName.fawn).hostKey.keyText
            #expect(known.contains("\(SSHName.fawn) \(fawnKey)\n"))

            try SSHConfigWriter.writePrivate(known.replacingOccurrences(of: fawnKey, with: pveKey), to: lab.ssh.knownHostsPath)
            let changed = try await lab.run(SSHName.fawn, ["lsusb"])
            #expect(changed.status == 255)
            #expect(changed.stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), "\(changed)")
            #expect(changed.stderr.contains("Host key verification failed."))
            #expect(changed.output == "")

            let without = known.split(separator: "\n").filter { !$0.hasPrefix(SSHName.fawn + " ") }.joined(separator: "\n") + "\n"
            try SSHConfigWriter.writePrivate(without, to: lab.ssh.knownHostsPath)
            let missing = try await lab.run(SSHName.fawn, ["lsusb"])
            #expect(missing.status == 255)
            #expect(missing.stderr.contains("Host key verification failed."), "\(missing)")

            try await lab.succeed(SSHName.pve, "lsusb")
        }
    }

    @Test("the refused fault gives Connection refused until it is cleared, on the same port")
    func refusedFault() async throws {
        try await SSHFixture.with(refused: [SSHName.fawnVM]) { lab in
            let endpoint = try lab.ssh.endpoint(SSHName.fawnVM)
            #expect(await endpoint.isRefused)
            let refused = try await lab.run(SSHName.fawnVM, ["hostname"])
            #expect(refused.status == 255)
            #expect(refused.stderr.contains("port \(endpoint.port): Connection refused"), "\(refused)")

            try await lab.ssh.setRefused(SSHName.fawnVM, false)
            #expect(try await lab.succeed(SSHName.fawnVM, "hostname") == SSHName.fawnVM + "\n")

            try await lab.ssh.setRefused(SSHName.fawnVM, true)
            #expect(try await lab.run(SSHName.fawnVM, ["hostname"]).stderr.contains("Connection refused"))
            #expect(try await lab.succeed(SSHName.gpuVM, "hostname") == SSHName.gpuVM + "\n")

            try await lab.ssh.setRefused(SSHName.fawnVM, false)
            try await lab.succeed(SSHName.fawnVM, "hostname")
        }
    }

    @Test("ControlMaster multiplexing runs five commands, four at once, over one connection")
    func controlMaster() async throws {
        try await SSHFixture.with { lab in
            let options = [
                "-o", "ControlMaster=auto", "-o", "ControlPath=\(lab.directory.path)/cm-%C", "-o", "ControlPersist=60",
            ]
            let endpoint = try lab.ssh.endpoint(SSHName.fawn)
            #expect(try await lab.succeed(SSHName.fawn, "hostname", options: options) == SSHName.fawn + "\n")
            let results = try await withThrowingTaskGroup(of: SSHRun.self) { group in
                for command in [["lsusb"], ["whoami"], ["qm", "config", "108"], ["nope"]] {
                    group.addTask { try await lab.run(SSHName.fawn, command, options: options) }
                }
                return try await group.reduce(into: [String: SSHRun]()) { $0[$1.arguments.last!] = $1 }
            }
            #expect(results["lsusb"]?.output == FakeMachine.lsusb)
            #expect(results["whoami"]?.output == "root\n")
            #expect(results["108"]?.status == 0)
            #expect(results["nope"]?.status == 127)
            #expect(endpoint.connectionsAccepted == 1)

            let exit = try await lab.run(SSHName.fawn, [], options: options + ["-O", "exit"])
            #expect(exit.status == 0, "\(exit)")
        }
    }

    @Test("the refused fault also drops a ControlMaster connection that was open")
    func refusedDropsOpenConnections() async throws {
        try await SSHFixture.with { lab in
            let options = [
                "-o", "ControlMaster=auto", "-o", "ControlPath=\(lab.directory.path)/cm-%C", "-o", "ControlPersist=60",
            ]
            try await lab.succeed(SSHName.pveVM, "hostname", options: options)
            try await lab.ssh.setRefused(SSHName.pveVM, true)
            let result = try await lab.run(SSHName.pveVM, ["hostname"], options: options)
            #expect(result.status == 255, "\(result)")
            #expect(result.output == "")
        }
    }
}
