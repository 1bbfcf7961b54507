import FerryGitOps
import FerryRemote
import Foundation

/// The GitOps clone can take ferry's commit: it exists, is on the plan's branch,
/// has no uncommitted changes (the migration's commit must hold only the
/// migration), holds the plan's files, and its remote answers and is not ahead of it.
struct GitChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let repository: GitRepository?
    var name: String { "git" }
    var waitsFor: String { "git (the clone and its remote)" }

    func run() async -> [PreflightResult] {
        guard let gitops = plan.gitops, let repository else {
            return [.skip("git", "the plan has no gitops section: ferry edits no files")]
        }
        let directory = repository.directory.path
        // Fixes are commands to paste: a value that is not a plain word (a branch such
        // as `main;touch${IFS}pwned`) is quoted, so pasting runs git, not the value.
        let dir = ShellQuoting.quote(directory)
        let check = "git \(directory)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [.fail(check, "gitops.repo \(gitops.repo) is \(directory), which does not exist",
                          fix: "clone the GitOps repository there (git clone URL \(dir)), or set gitops.repo to your clone")]
        }
        let top: String
        do {
            top = try await repository.git(["rev-parse", "--show-toplevel"]).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return [.fail(check, "\(directory) is not a Git clone: \(error.description)", fix: "set gitops.repo to the clone of the GitOps repository")]
        }
        async let changes = repository.uncommittedChanges()
        async let branch = repository.currentBranch()
        let missing = gitops.files.filter { !FileManager.default.fileExists(atPath: URL(fileURLWithPath: top).appendingPathComponent($0).path) }
        var results: [PreflightResult] = []
        do {
            let changes = try await changes
            if changes.isEmpty {
                results.append(.pass("git clean", "\(directory) has no uncommitted changes"))
            } else {
                let shown = changes.prefix(5).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
                    + (changes.count > 5 ? ", and \(changes.count - 5) more" : "")
                results.append(.fail("git clean", "\(directory) has \(changes.count) uncommitted change\(changes.count == 1 ? "" : "s") (\(shown)): "
                                         + "ferry's commit must hold only the migration",
                                     fix: "git -C \(dir) stash -u (or commit them), then run ferry check again"))
            }
        } catch {
            results.append(.fail("git clean", String(describing: error), fix: "run `git -C \(dir) status` and fix what it says"))
        }
        if !missing.isEmpty {
            results.append(.fail("git files", "not in the clone: \(missing.joined(separator: ", "))",
                                 fix: "fix gitops.files (paths relative to \(top)), or pull the branch that has them"))
        }
        let current: String
        do {
            current = try await branch
        } catch {
            results.append(.fail("git branch", String(describing: error), fix: "run `git -C \(dir) status` and fix what it says"))
            return results
        }
        let wanted = gitops.branch ?? current
        if current != wanted {
            results.append(.fail("git branch", "the clone is on \(current), the plan commits to \(wanted)",
                                 fix: "git -C \(dir) switch \(ShellQuoting.quote(wanted))"))
            return results
        }
        results.append(await remote(repository, branch: wanted, directory: dir))
        return results
    }

    /// `git ls-remote` for the branch: the remote answers, and the clone has its head
    /// (otherwise the push would be rejected as non-fast-forward).
    private func remote(_ repository: GitRepository, branch: String, directory dir: String) async -> PreflightResult {
        let check = "git remote"
        let remote = (try? await repository.git(["config", "--get", "branch.\(branch).remote"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty ?? "origin"
        let listing: String
        do {
            listing = try await repository.git(["ls-remote", remote, "refs/heads/\(branch)"])
        } catch {
            return .fail(check, "the remote \(remote) does not answer: \(error.description)",
                         fix: "check the network and your credentials: `git -C \(dir) ls-remote \(ShellQuoting.quote(remote))` must work")
        }
        guard let remoteHead = listing.split(whereSeparator: \.isWhitespace).first.map(String.init) else {
            return .pass(check, "\(remote) answers; it has no branch \(branch) yet, ferry's push will create it")
        }
        let local = (try? await repository.head()) ?? ""
        if remoteHead == local { return .pass(check, "\(remote) answers and \(branch) is up to date with it") }
        if (try? await repository.git(["merge-base", "--is-ancestor", remoteHead, "HEAD"])) != nil {
            return .warn(check, "\(branch) has commits that are not on \(remote) yet; ferry's push will publish them too",
                         fix: "git -C \(dir) push, or reset them away, if they should not go out with the migration")
        }
        return .fail(check, "\(remote)/\(branch) has commits the clone does not: ferry's push would be rejected",
                     fix: "git -C \(dir) pull --ff-only")
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
