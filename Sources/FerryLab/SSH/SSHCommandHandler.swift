import Foundation

/// What runs a command line that reached one of the lab's SSH endpoints.
///
/// The endpoint hands over the command line exactly as the client sent it (OpenSSH
/// joins `ssh HOST ARG...` with spaces, as sshd would pass it to `sh -c`), the user
/// name the client logged in as, and what the client wrote to the command's stdin
/// (empty when it sent nothing). What comes back is sent to the client as stdout,
/// stderr (SSH extended data) and the `exit-status`, which `ssh` exits with.
///
/// ```swift
/// struct Uptime: SSHCommandHandler {
///     func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult {
///         commandLine == "uptime" ? SSHCommandResult(stdout: " 12:00 up 3 days\n")
///             : SSHCommandResult(stderr: "bash: \(commandLine): command not found\n", exitStatus: 127)
///     }
/// }
/// ```
public protocol SSHCommandHandler: Sendable {
    func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult
}

/// The outcome of one SSH `exec`: the bytes the command printed and how it ended.
public struct SSHCommandResult: Sendable, Equatable {
    public var stdout: Data
    public var stderr: Data
    public var exitStatus: Int32

    public init(stdout: Data = Data(), stderr: Data = Data(), exitStatus: Int32 = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
    }

    /// Text output, UTF-8 encoded.
    public init(stdout: String = "", stderr: String = "", exitStatus: Int32 = 0) {
        self.init(stdout: Data(stdout.utf8), stderr: Data(stderr.utf8), exitStatus: exitStatus)
    }
}

/// A handler made of a closure, for tests and small scenarios.
public struct SSHCommandClosure: SSHCommandHandler {
    private let body: @Sendable (_ commandLine: String, _ user: String, _ stdin: Data) async -> SSHCommandResult

    public init(_ body: @escaping @Sendable (_ commandLine: String, _ user: String, _ stdin: Data) async -> SSHCommandResult) {
        self.body = body
    }

    public func run(commandLine: String, user: String, stdin: Data) async -> SSHCommandResult {
        await body(commandLine, user, stdin)
    }
}
