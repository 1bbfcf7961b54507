import Foundation

/// Runs commands on hosts and VMs through the system's OpenSSH client, so that the
/// user's `~/.ssh/config`, agent and `known_hosts` apply as they do for `ssh`.
///
/// Every call uses `BatchMode=yes` (never prompt), a short `ConnectTimeout`, and a
/// ControlMaster socket per host that lives for the whole migration, so that each
/// command after the first costs one round trip. Host keys are checked as the
/// user's configuration says; ferry never turns the check off.
public struct SSHClient: Sendable {
    public struct Options: Sendable {
        /// An ssh_config to use instead of the user's (`ssh -F`), e.g. the lab's.
        public var configFile: URL?
        public var connectTimeout: Duration = .seconds(5)
        /// Where ControlMaster sockets live; nil disables connection sharing.
        public var controlDirectory: URL?
        /// How long a master connection stays up after its last use.
        public var controlPersist: Duration = .seconds(300)

        public init(configFile: URL? = nil, controlDirectory: URL? = nil) {
            self.configFile = configFile
            self.controlDirectory = controlDirectory
        }
    }

    public var options: Options
    let runner: any ProcessRunner

    public init(options: Options = Options(), runner: any ProcessRunner = LocalProcessRunner()) {
        self.options = options
        self.runner = runner
    }

    /// Runs `arguments` on `host` (an ssh_config alias or a hostname, optionally
    /// `user@host`). A non-zero exit of the command is returned, not thrown; failing
    /// to reach the host is thrown as `RemoteError`.
    public func run(_ arguments: [String], on host: String, stdin: Data? = nil) async throws(RemoteError) -> CommandOutput {
        let output: CommandOutput
        do {
            output = try await runner.run(
                "ssh", sshArguments(host: host) + ["--", ShellQuoting.commandLine(arguments)], environment: [:],
                stdin: stdin, workingDirectory: nil)
        } catch {
            throw .unreachable(host: host, method: .ssh, reason: String(describing: error))
        }
        // OpenSSH exits 255 when it could not connect or authenticate, but a remote
        // command may exit 255 too (pvesh and qm do on every API error): only ssh's
        // own complaints on stderr make it a connection failure.
        if output.exitCode == 255, let change = HostKeyChange.parse(output.stderrText, host: host) {
            throw RemoteError(
                host: host, attempts: [.init(method: .ssh, reason: "Host key verification failed")], hostKeyChange: change)
        }
        if output.exitCode == 255, Self.isConnectionFailure(output.stderrText) {
            throw .unreachable(host: host, method: .ssh, reason: Self.reason(output.stderrText))
        }
        return output
    }

    /// Closes the master connection to `host`, if one is open.
    public func close(_ host: String) async {
        guard options.controlDirectory != nil else { return }
        _ = try? await runner.run("ssh", sshArguments(host: host) + ["-O", "exit", host], environment: [:], stdin: nil, workingDirectory: nil)
    }

    func sshArguments(host: String) -> [String] {
        var arguments: [String] = []
        if let config = options.configFile { arguments += ["-F", config.path] }
        arguments += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=\(max(1, options.connectTimeout.components.seconds))"]
        if let directory = options.controlDirectory {
            arguments += [
                "-o", "ControlMaster=auto", "-o", "ControlPath=\(directory.path)/%C",
                "-o", "ControlPersist=\(options.controlPersist.components.seconds)",
            ]
        }
        return arguments + [host]
    }

    /// What OpenSSH itself prints when it cannot reach, trust or log in to a host.
    static func isConnectionFailure(_ stderr: String) -> Bool {
        let signatures = [
            "ssh: connect to host", "ssh: Could not resolve hostname", "Connection refused", "Connection timed out",
            "Connection closed by", "Connection reset by", "Permission denied (", "Host key verification failed",
            "REMOTE HOST IDENTIFICATION HAS CHANGED", "kex_exchange_identification", "No route to host",
            "Control socket connect", "mux_client_request_session", "Bad owner or permissions", "Can't open user config file",
            "no such identity", "Too many authentication failures", "Could not resolve",
        ]
        return signatures.contains { stderr.contains($0) }
    }

    /// The line of ssh's stderr that says why, without the noise.
    static func reason(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last { !$0.hasPrefix("Warning:") } ?? "ssh exited with status 255"
    }
}
