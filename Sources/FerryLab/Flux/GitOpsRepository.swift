import Foundation

/// The lab's GitOps repository: a bare repository at `DIR/gitops.git` that Flux
/// reads (point a GitRepository's `spec.url` at `url`), and a working clone at
/// `DIR/gitops` with its own `user.name`/`user.email`, so that changes roll out the
/// way they do in a homelab:
///
/// ```sh
/// git -C DIR/gitops commit -am "frigate: move to still-fawn" && git -C DIR/gitops push
/// kubectl annotate gitrepository/flux-system kustomization/frigate --overwrite \
///     reconcile.fluxcd.io/requestedAt="$(date +%s)"
/// ```
///
/// The `pushRejected` fault installs a `pre-receive` hook in the bare repository
/// that refuses every push with a reason, as a protected branch or a full disk would.
public struct GitOpsRepository: Sendable {
    /// `DIR/gitops.git`, the bare repository ("the Git server").
    public let bareRepository: URL
    /// `DIR/gitops`, a clone of it with `origin` set and a committer identity.
    public let workingCopy: URL
    public let branch: String

    /// `file://DIR/gitops.git`, for `GitRepository.spec.url`.
    public var url: String { URL(fileURLWithPath: bareRepository.standardizedFileURL.path, isDirectory: false).absoluteString }

    /// The repository a lab created in `directory` earlier (`DIR/gitops.git`, `DIR/gitops`).
    public static func existing(in directory: URL, branch: String = "main") -> GitOpsRepository {
        GitOpsRepository(
            bareRepository: directory.appendingPathComponent("gitops.git", isDirectory: true),
            workingCopy: directory.appendingPathComponent("gitops", isDirectory: true), branch: branch)
    }

    /// Creates the bare repository with one commit holding `files` (relative path ->
    /// contents) on `branch`, and the working clone. Fails if either already exists.
    public static func create(
        in directory: URL, files: [String: String], branch: String = "main", message: String = "Initial commit",
        author: (name: String, email: String) = ("Lab Operator", "operator@homelab.lan")
    ) async throws -> GitOpsRepository {
        let repository = GitOpsRepository(
            bareRepository: directory.appendingPathComponent("gitops.git", isDirectory: true),
            workingCopy: directory.appendingPathComponent("gitops", isDirectory: true), branch: branch)
        for existing in [repository.bareRepository, repository.workingCopy]
        where FileManager.default.fileExists(atPath: existing.path) {
            throw LabError(description: "\(existing.path) already exists; the lab creates its GitOps repository only once")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await GitCommand.succeed(["init", "--quiet", "--bare", "--initial-branch", branch, repository.bareRepository.path])
        try await GitCommand.succeed(["init", "--quiet", "--initial-branch", branch, repository.workingCopy.path])
        let local = repository.workingCopy
        for (key, value) in [
            ("user.name", author.name), ("user.email", author.email), ("commit.gpgsign", "false"),
            ("remote.origin.url", repository.url), ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
            ("branch.\(branch).remote", "origin"), ("branch.\(branch).merge", "refs/heads/\(branch)"),
            ("push.default", "simple"),
        ] {
            try await GitCommand.succeed(["config", "--local", key, value], in: local)
        }
        try repository.write(files)
        try await repository.commitAll(message)
        try await GitCommand.succeed(["push", "--quiet", "origin", branch], in: local)
        return repository
    }

    /// Writes files into the working copy (creating directories); nil contents delete.
    public func write(_ files: [String: String?]) throws {
        for (path, contents) in files {
            let file = workingCopy.appendingPathComponent(path)
            guard file.standardizedFileURL.path.hasPrefix(workingCopy.standardizedFileURL.path + "/") else {
                throw LabError(description: "\(path) is outside the working copy")
            }
            if let contents {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: file)
            } else if FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.removeItem(at: file)
            }
        }
    }

    public func write(_ files: [String: String]) throws {
        try write(files.mapValues { Optional($0) })
    }

    /// `git add -A && git commit -m MESSAGE` in the working copy; returns the new commit's sha.
    @discardableResult
    public func commitAll(_ message: String) async throws -> String {
        try await GitCommand.succeed(["add", "--all"], in: workingCopy)
        try await GitCommand.succeed(["commit", "--quiet", "--message", message], in: workingCopy)
        return try await head()
    }

    /// `git push origin BRANCH`; a rejected push throws with git's output (the hook's reason included).
    public func push() async throws {
        let result = try await GitCommand.run(["push", "origin", branch], in: workingCopy)
        guard result.succeeded else {
            throw LabError(description: "git push to \(url) was rejected:\n\(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// The working copy's HEAD commit.
    public func head() async throws -> String {
        try await GitCommand.succeed(["rev-parse", "HEAD"], in: workingCopy).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit the bare repository's branch points at (what Flux will fetch).
    public func publishedHead() async throws -> String {
        try await GitCommand.succeed(["--git-dir", bareRepository.path, "rev-parse", "refs/heads/\(branch)"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
