import Foundation

/// Runs the real `git` binary through `LabProcess`, in a clean environment.
///
/// ```swift
/// let head = try await GitCommand.run(["ls-remote", url, "refs/heads/main"]).stdout
/// ```
struct GitCommand: Sendable {
    /// What one git run printed and how it ended.
    struct Result: Sendable {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        var succeeded: Bool { status == 0 }

        /// stderr without git's `fatal: ` / `error: ` prefixes, on one line.
        var message: String {
            stderr.split(separator: "\n").map { line in
                var text = String(line)
                for prefix in ["fatal: ", "error: "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
                return text.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }.joined(separator: "; ")
        }
    }

    static let executable = "/usr/bin/git"

    /// Runs `git ARGS` in `directory` and returns whatever it printed, successful or not.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Result {
        let result = try await LabProcess.run(executable, arguments, in: directory, environment: environment)
        return Result(arguments: arguments, status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Runs `git ARGS` and returns its stdout, or throws with git's own message.
    @discardableResult
    static func succeed(_ arguments: [String], in directory: URL? = nil) async throws -> String {
        let result = try await run(arguments, in: directory)
        guard result.succeeded else {
            throw LabError(description: "git \(arguments.joined(separator: " ")) failed: \(result.message)")
        }
        return result.stdout
    }

    /// The caller's environment without anything that would point git elsewhere,
    /// in the C locale so messages read the same everywhere, never prompting.
    private static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CEILING_DIRECTORIES"] {
            environment.removeValue(forKey: key)
        }
        environment["LC_ALL"] = "C"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        return environment
    }()
}
