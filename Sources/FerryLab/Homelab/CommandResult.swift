/// What a command run in the lab printed and how it ended: the answer of
/// `VMCommands`, `HostCommands` and the guest agent's `exec-status`, and what the
/// lab's SSH server sends back over a channel.
public struct CommandResult: Sendable, Equatable, CustomStringConvertible {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32

    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }

    /// Success with `stdout`, a newline added when missing (as programs print lines).
    public static func ok(_ stdout: String = "") -> CommandResult {
        CommandResult(stdout: stdout.isEmpty || stdout.hasSuffix("\n") ? stdout : stdout + "\n")
    }

    /// Failure with `stderr`, a newline added when missing.
    public static func failure(_ stderr: String, exitCode: Int32 = 1) -> CommandResult {
        CommandResult(stderr: stderr.isEmpty || stderr.hasSuffix("\n") ? stderr : stderr + "\n", exitCode: exitCode)
    }

    /// What bash prints for a program it cannot find.
    public static func notFound(_ command: String) -> CommandResult {
        .failure("bash: \(command): command not found", exitCode: 127)
    }

    public var succeeded: Bool { exitCode == 0 }

    public var description: String {
        "exit \(exitCode)\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}
