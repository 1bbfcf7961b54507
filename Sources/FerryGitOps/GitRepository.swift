import FerryRemote
import Foundation

/// A local clone of the GitOps repository, driven through the real `git` so that
/// the user's credentials, hooks and configuration apply.
public struct GitRepository: Sendable {
    public let directory: URL
    let runner: any ProcessRunner

    public init(directory: URL, runner: any ProcessRunner = LocalProcessRunner()) {
        self.directory = directory
        self.runner = runner
    }

    /// Runs `git -C DIR ARGS...`; a non-zero exit becomes a `GitError` quoting git's own message.
    @discardableResult
    public func git(_ arguments: [String]) async throws(GitError) -> String {
        let output: CommandOutput
        do {
            output = try await runner.run("git", ["-C", directory.path] + arguments, environment: ["GIT_TERMINAL_PROMPT": "0"], stdin: nil, workingDirectory: nil)
        } catch {
            throw GitError(description: "cannot run git: \(error)")
        }
        guard output.succeeded else {
            let message = output.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(description: "git \(arguments.first ?? "") in \(directory.path) failed: \(message)")
        }
        return output.stdoutText
    }

    /// The commit checked out (full sha).
    public func head() async throws(GitError) -> String {
        try await git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Uncommitted changes, as `git status --porcelain` lists them; empty when clean.
    public func uncommittedChanges() async throws(GitError) -> [String] {
        try await git(["status", "--porcelain"]).split(separator: "\n").map(String.init)
    }

    /// The branch checked out.
    public func currentBranch() async throws(GitError) -> String {
        try await git(["rev-parse", "--abbrev-ref", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct GitError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
