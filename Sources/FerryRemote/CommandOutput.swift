import Foundation

/// What a command printed and how it ended, wherever it ran.
public struct CommandOutput: Sendable, Equatable {
    public var stdout: Data
    public var stderr: Data
    public var exitCode: Int32

    public init(stdout: Data, stderr: Data, exitCode: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }

    public var succeeded: Bool { exitCode == 0 }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// How a remote command was run: the mechanism a migration journals and reports.
public enum RemoteMethod: String, Sendable, Codable {
    case ssh
    case guestAgent = "guest-agent"
}
