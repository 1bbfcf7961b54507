import Foundation
import Testing

@testable import FerryRemote

/// Answers as OpenSSH 9 does when the host's key is not the one in known_hosts.
struct ChangedHostKeySSH: ProcessRunner {
    static let stderr = """
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
        Someone could be eavesdropping on you right now (man-in-the-middle attack)!
        It is also possible that a host key has just been changed.
        The fingerprint for the ED25519 key sent by the remote host is
        SHA256:Zk3mPq0f8Vh1d9x2Yc4sT7uWbN6eR5aJ0oLiKgHqFzE.
        Please contact your system administrator.
        Add correct host key in /home/ana/.ssh/known_hosts to get rid of this message.
        Offending ED25519 key in /home/ana/.ssh/known_hosts:7
          remove with:
          ssh-keygen -f '/home/ana/.ssh/known_hosts' -R 'k3s-vm-still-fawn'
        Host key for k3s-vm-still-fawn has changed and you have requested strict checking.
        Host key verification failed.

        """

    func run(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?, workingDirectory: URL?)
        async throws -> CommandOutput
    {
        CommandOutput(stdout: Data(), stderr: Data(Self.stderr.utf8), exitCode: 255)
    }
}

@Suite("A changed SSH host key")
struct HostKeyChangeTests {
    @Test("is its own error, naming the host, the known_hosts line and the new fingerprint, and the guest agent is never tried")
    func noFallback() async {
        let shell = VMShell(
            host: "k3s-vm-still-fawn", ssh: SSHClient(runner: ChangedHostKeySSH()), agent: FakeAgent(working: true))
        let error = await #expect(throws: RemoteError.self) { try await shell.run(["true"]) }
        #expect(error?.attempts.map(\.method) == [.ssh])
        #expect(error?.description == """
            cannot run commands on k3s-vm-still-fawn: the SSH host key of k3s-vm-still-fawn has changed since it was \
            recorded in /home/ana/.ssh/known_hosts:7 (it now sends SHA256:Zk3mPq0f8Vh1d9x2Yc4sT7uWbN6eR5aJ0oLiKgHqFzE): \
            someone may be intercepting the connection, or the machine was reinstalled; ferry does not fall back to the \
            guest agent around it
            """)
        #expect(error?.hostKeyChange?.fix == """
            check the new key on the machine's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`); only if \
            its fingerprint is the one above, forget the old key: \
            `ssh-keygen -f /home/ana/.ssh/known_hosts -R k3s-vm-still-fawn`
            """)
        #expect(await shell.method == nil)
    }

    @Test("an unreachable host still falls back to the guest agent")
    func unreachableStillFallsBack() async throws {
        let shell = VMShell(host: "k3s-vm-still-fawn", ssh: SSHClient(runner: FakeSSH(reachable: false)), agent: FakeAgent(working: true))
        #expect(try await shell.run(["true"]).method == .guestAgent)
    }

    @Test("the fix quotes a host name that is not a plain word")
    func quotedHost() {
        let change = HostKeyChange(host: "vm;touch pwned", knownHosts: "/home/ana/my hosts:2")
        #expect(change.fix.hasSuffix("`ssh-keygen -f '/home/ana/my hosts' -R 'vm;touch pwned'`"))
    }
}
