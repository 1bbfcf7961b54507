import Foundation
import Testing

@testable import FerryRemote

/// Stands in for the local `ssh` binary: answers as OpenSSH does when the host is
/// reachable (the command's own status) or not (255 and a reason on stderr).
struct FakeSSH: ProcessRunner {
    var reachable: Bool

    func run(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?, workingDirectory: URL?)
        async throws -> CommandOutput
    {
        guard reachable else {
            return CommandOutput(stdout: Data(), stderr: Data("ssh: connect to host 127.0.0.1 port 2222: Connection refused\n".utf8), exitCode: 255)
        }
        return CommandOutput(stdout: Data("via ssh: \(arguments.last ?? "")\n".utf8), stderr: Data(), exitCode: 0)
    }
}

struct FakeAgent: GuestAgentExecutor {
    var working: Bool

    func execute(_ arguments: [String], stdin: Data?) async throws(RemoteError) -> CommandOutput {
        guard working else { throw .unreachable(host: "vm 108", method: .guestAgent, reason: "QEMU guest agent is not running") }
        return CommandOutput(stdout: Data("via agent: \(arguments.joined(separator: " "))\n".utf8), stderr: Data(), exitCode: 0)
    }
}

@Suite("Commands in a VM: SSH, else the guest agent")
struct VMShellTests {
    @Test("SSH is used when it connects")
    func sshFirst() async throws {
        let shell = VMShell(host: "k3s-vm-still-fawn", ssh: SSHClient(runner: FakeSSH(reachable: true)), agent: FakeAgent(working: true))
        let result = try await shell.run(["lsusb"])
        #expect(result.method == .ssh)
        #expect(result.output.stdoutText == "via ssh: lsusb\n")
    }

    @Test("when SSH cannot connect, the guest agent runs the command and is kept for the next ones")
    func fallback() async throws {
        let shell = VMShell(host: "k3s-vm-still-fawn", ssh: SSHClient(runner: FakeSSH(reachable: false)), agent: FakeAgent(working: true))
        let first = try await shell.run(["lsusb"])
        #expect(first.method == .guestAgent)
        #expect(first.output.stdoutText == "via agent: lsusb\n")
        #expect(await shell.method == .guestAgent)
        #expect(try await shell.run(["uptime"]).method == .guestAgent)
    }

    @Test("when both fail, the error names the VM and both attempts with their reasons")
    func bothBroken() async {
        let shell = VMShell(host: "k3s-vm-still-fawn", ssh: SSHClient(runner: FakeSSH(reachable: false)), agent: FakeAgent(working: false))
        let error = await #expect(throws: RemoteError.self) { try await shell.run(["lsusb"]) }
        #expect(error?.attempts.map(\.method) == [.ssh, .guestAgent])
        #expect(error?.description.contains("Connection refused") == true)
        #expect(error?.description.contains("QEMU guest agent is not running") == true)
    }

    @Test("a command that runs and fails is an output with its status, not a fallback")
    func failingCommandIsNotUnreachable() async throws {
        struct Failing: ProcessRunner {
            func run(_ e: String, _ a: [String], environment: [String: String], stdin: Data?, workingDirectory: URL?) async throws -> CommandOutput {
                CommandOutput(stdout: Data(), stderr: Data("dpkg-query: package 'libedgetpu1-std' is not installed\n".utf8), exitCode: 1)
            }
        }
        let shell = VMShell(host: "vm", ssh: SSHClient(runner: Failing()), agent: FakeAgent(working: true))
        let result = try await shell.run(["dpkg", "-s", "libedgetpu1-std"])
        #expect(result.method == .ssh)
        #expect(result.output.exitCode == 1)
    }
}

@Suite("OpenSSH client")
struct SSHClientTests {
    struct Runner: ProcessRunner {
        var stderr: String
        func run(_ e: String, _ a: [String], environment: [String: String], stdin: Data?, workingDirectory: URL?) async throws -> CommandOutput {
            CommandOutput(stdout: Data(), stderr: Data(stderr.utf8), exitCode: 255)
        }
    }

    @Test("a remote command that exits 255 is its own result, not a connection failure")
    func remote255() async throws {
        let output = try await SSHClient(runner: Runner(stderr: "400 Parameter verification failed.\n")).run(["pvesh", "get", "/x"], on: "pve.maas")
        #expect(output.exitCode == 255)
        #expect(output.stderrText.contains("Parameter verification failed"))
    }

    @Test("ssh's own failures are unreachable errors naming the reason")
    func unreachable() async {
        let error = await #expect(throws: RemoteError.self) {
            try await SSHClient(runner: Runner(stderr: "Host key verification failed.\n")).run(["uptime"], on: "still-fawn.maas")
        }
        #expect(error?.description == "cannot run commands on still-fawn.maas (ssh: Host key verification failed.)")
    }

    @Test("every call is non-interactive with a connect timeout, and shares a master connection when asked")
    func arguments() {
        var options = SSHClient.Options(configFile: URL(fileURLWithPath: "/lab/ssh_config"), controlDirectory: URL(fileURLWithPath: "/run/ferry"))
        options.connectTimeout = .seconds(5)
        let arguments = SSHClient(options: options).sshArguments(host: "pve.maas")
        #expect(arguments == [
            "-F", "/lab/ssh_config", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ControlMaster=auto",
            "-o", "ControlPath=/run/ferry/%C", "-o", "ControlPersist=300", "pve.maas",
        ])
        #expect(!arguments.contains { $0.contains("StrictHostKeyChecking") })
    }
}
