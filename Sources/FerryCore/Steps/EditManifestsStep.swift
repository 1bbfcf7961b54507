import FerryGitOps
import FerryJSON
import FerryRemote
import Foundation

/// Edits the workload's manifests in the GitOps clone (keeping every comment and
/// untouched line), commits them with a message that says what moved where, and
/// pushes. Undo is `git revert` of that commit, pushed: history keeps both.
struct EditManifestsStep: MigrationStep {
    static let id = "edit-manifests"
    let environment: MigrationEnvironment
    let gitops: MigrationPlan.GitOps

    var id: String { Self.id }
    var title: String { "Edit \(Set(environment.plan.manifestChanges.map(\.file)).count) manifest(s) in \(gitops.repo), commit and push" }
    var phase: MigrationPhase { .gitops }
    /// From the scale-down on, beside the device's steps and the volumes' (`StepLane.gitops`).
    var lane: StepLane { .gitops }

    var repository: GitRepository { GitRepository(directory: environment.repositoryURL) }

    func inspect(_ context: StepContext) async throws -> StepState {
        guard let commit = await context.recall("commit") else { return .pending(reason: "not committed yet") }
        return try await isPushed(commit) ? .done : .pending(reason: "commit \(commit.prefix(7)) is not pushed yet")
    }

    func apply(_ context: StepContext) async throws {
        let branch = try await branch()
        var commit = await context.recall("commit")
        if commit == nil {
            commit = try await edit(context, branch: branch)
        }
        guard let commit else { return }
        if try await isPushed(commit) { return }
        context.waiting("git push of \(commit.prefix(7)) to origin \(branch)")
        try await push(branch)
    }

    /// Reverts the commit and pushes the revert. When Flux had applied the commit (the
    /// run got past resume-flux), the cluster runs the edited manifests: Flux applies
    /// the revert now and is suspended again, so that what is undone next (the volumes,
    /// the scale-up on the source node) meets the workload as Git had it before.
    func undo(_ context: StepContext) async throws {
        let branch = try await branch()
        guard let commit = await context.recall("commit") else {
            try await restoreFiles(context)
            return
        }
        let revert: String
        if let done = await context.recall("revert") {
            revert = done
        } else {
            // On top of what others pushed since (a teammate, a bot), or the push is refused.
            try await gitStep("update \(branch) from origin", fix: "git -C \(ShellQuoting.quote(environment.repositoryURL.path)) pull --rebase; then `ferry rollback`") {
                try await repository.git(["pull", "--ff-only", "--quiet", "origin", branch])
            }
            do {
                try await repository.git(["revert", "--no-edit", commit])
            } catch {
                throw StepFailure(
                    "cannot revert \(commit.prefix(7)) in \(environment.repositoryURL.path): \(error)",
                    fix: "git -C \(ShellQuoting.quote(environment.repositoryURL.path)) revert \(commit.prefix(7)) by hand (resolve any conflict), push, then `ferry rollback`")
            }
            revert = try await repository.head()
            try await context.remember("revert", revert)
        }
        if try await !isPushed(revert) { try await push(branch, then: "ferry rollback") }
        try await applyRevert(context, commit: commit, revert: revert)
    }

    private func applyRevert(_ context: StepContext, commit: String, revert: String) async throws {
        let controller = gitops.controller(plan: environment.plan, kube: environment.kube)
        // Paused first, so what the controller has applied cannot change under the look
        // below (resume-flux's undo paused it already; a rollback stopped half-way may
        // not have). The undo of suspend-flux, the first step, lifts the pause once
        // everything else is back.
        try await controller.pause(context)
        guard try await controller.mayHaveApplied(commit) else { return }
        try await controller.resume(context, commit: PushedCommit(revert, in: repository))
        try await controller.pause(context)
    }

    func describe() -> [String] {
        let changes = environment.plan.manifestChanges.map { "edit \($0.file): \(Self.describe($0))" }
        let branch = gitops.branch ?? "(current branch)"
        return changes + ["git commit -m \"\(subject)\"", "git push origin HEAD:\(branch)"]
    }

    // MARK: Editing

    /// Brings the clone up to date, edits the files, commits; returns the commit.
    private func edit(_ context: StepContext, branch: String) async throws -> String {
        let repository = repository
        if let before = await context.recall("base") {
            if let made = try await committed(since: before) {
                // An earlier attempt committed and was stopped before it journaled the
                // commit: that commit is the step's, never a second one on top of it.
                try await context.remember("commit", made)
                return made
            }
            if try await repository.head() == before {
                try await restoreFiles(context)  // an earlier attempt edited them and stopped before committing
            }
        }
        try await gitStep("update \(branch) from origin", fix: "git -C \(ShellQuoting.quote(environment.repositoryURL.path)) pull --rebase; then `ferry resume`") {
            try await repository.git(["pull", "--ff-only", "--quiet", "origin", branch])
        }
        try await context.remember("base", try await repository.head())
        let edited = try await ManifestChanges.edited(environment.plan.manifestChanges, in: environment.repositoryURL)
        for (file, text) in edited.sorted(by: { $0.key < $1.key }) {
            try Data(text.utf8).write(to: environment.repositoryURL.appendingPathComponent(file))
        }
        try await gitStep("commit the edits", fix: "look at `git -C \(ShellQuoting.quote(environment.repositoryURL.path)) status`; then `ferry resume`") {
            try await repository.git(["add", "--"] + edited.keys.sorted())
            try await repository.git(["commit", "--quiet", "-m", message])
        }
        let commit = try await repository.head()
        try await context.remember("commit", commit)
        return commit
    }

    /// This migration's commit made on top of `base`, found by the `Ferry-Migration:`
    /// trailer its message ends with; nil when there is none (or `base` is no longer
    /// in the branch's history, so nothing of ferry's was built on it).
    private func committed(since base: String) async throws -> String? {
        let name = environment.plan.name.replacingOccurrences(of: ".", with: "\\.")
        let found: String
        do {
            found = try await repository.git(["log", "--format=%H", "--grep=^Ferry-Migration: \(name)$", "\(base)..HEAD"])
        } catch {
            return nil
        }
        return found.split(separator: "\n").first.map(String.init)
    }

    /// Puts the plan's files back as HEAD has them (only ferry's own uncommitted edits are there).
    private func restoreFiles(_ context: StepContext) async throws {
        let files = Array(Set(environment.plan.manifestChanges.map(\.file))).sorted()
        guard try await !repository.git(["status", "--porcelain", "--"] + files).isEmpty else { return }
        try await repository.git(["checkout", "HEAD", "--"] + files)
    }

    private func push(_ branch: String, then next: String = "ferry resume") async throws {
        try await gitStep("push to origin \(branch)", fix: "git -C \(ShellQuoting.quote(environment.repositoryURL.path)) pull --rebase && git push; then `\(next)`") {
            try await repository.git(["push", "--quiet", "origin", "HEAD:\(branch)"])
        }
    }

    private func isPushed(_ commit: String) async throws -> Bool {
        let branch = try await branch()
        let remote = try await repository.git(["ls-remote", "origin", "refs/heads/\(branch)"])
            .split(separator: "\t").first.map(String.init) ?? ""
        if remote.isEmpty { return false }
        if remote == commit { return true }
        do {
            try await repository.git(["merge-base", "--is-ancestor", commit, remote])
            return true
        } catch {
            return false
        }
    }

    private func branch() async throws -> String {
        if let branch = gitops.branch { return branch }
        return try await repository.currentBranch()
    }

    private func gitStep(_ what: String, fix: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw StepFailure("cannot \(what): \(error)", fix: fix)
        }
    }

    // MARK: Message

    var subject: String {
        let workload = environment.workload
        return "\(workload.name): move to \(environment.plan.target.node) (ferry)"
    }

    var message: String {
        let plan = environment.plan
        let workload = plan.workload
        var body = [subject, ""]
        var moved = "ferry migration \(plan.name) moves \(workload.kind.rawValue) \(workload.namespace)/\(workload.name) "
            + "from \(plan.source.node) (VM \(plan.source.vmid) on \(plan.source.host)) to \(plan.target.node) "
            + "(VM \(plan.target.vmid) on \(plan.target.host))"
        if !plan.devices.isEmpty { moved += ", with " + plan.devices.map(\.label).joined(separator: ", ") }
        body.append(moved + ".")
        body.append("")
        body += plan.manifestChanges.map { "- \($0.file): \(Self.describe($0))" }
        body += ["", "Ferry-Migration: \(plan.name)"]
        return body.joined(separator: "\n") + "\n"
    }

    static func describe(_ change: MigrationPlan.ManifestChange) -> String {
        describe(change.path, change.edit)
    }

    static func describe(_ path: [String], _ edit: MigrationPlan.ManifestChange.Edit) -> String {
        let path = path.joined(separator: ".")
        switch edit {
        case .set(let value): return "set \(path) to \(value)"
        case .remove: return "remove \(path)"
        case .replace(let from, let to): return "in \(path), \(from) -> \(to)"
        }
    }
}

/// The plan's manifest changes applied to the files of a clone, in memory.
public enum ManifestChanges {
    /// Every changed file's new text, by path relative to the clone. Throws before
    /// anything is written when any edit cannot be made.
    static func edited(_ changes: [MigrationPlan.ManifestChange], in repository: URL) async throws -> [String: String] {
        var texts: [String: String] = [:]
        for change in changes {
            let url: URL
            do {
                url = try CloneFile.resolve(change.file, in: repository)
            } catch {
                throw StepFailure(error.description, fix: error.fix + ", then `ferry resume`")
            }
            var text: String
            if let edited = texts[change.file] {
                text = edited
            } else {
                do {
                    text = try String(contentsOf: url, encoding: .utf8)
                } catch {
                    throw StepFailure("cannot read \(url.path): \((error as NSError).localizedDescription)", fix: "check gitops.repo and gitops.files in the plan")
                }
            }
            do {
                text = try ManifestEditor.apply(change.manifestEdit, to: text, file: change.file)
            } catch {
                throw StepFailure(String(describing: error), fix: "fix the plan's manifestChanges or the manifest, then `ferry resume`")
            }
            texts[change.file] = text
        }
        return texts
    }
}

extension ManifestChanges {
    /// The plan's edits of the clone's files as `git diff` will show them after the
    /// commit: what `--dry-run` prints for a person to review before anything changes.
    public static func diff(_ environment: MigrationEnvironment) async throws -> String {
        let clone = environment.repositoryURL
        let edited = try await edited(environment.plan.manifestChanges, in: clone)
        var out = ""
        for file in edited.keys.sorted() {
            let old = (try? String(contentsOf: CloneFile.resolve(file, in: clone), encoding: .utf8)) ?? ""
            out += UnifiedDiff.make(old: old, new: edited[file] ?? "", path: file)
        }
        return out
    }
}

extension MigrationEnvironment {
    /// The plan's `gitops.repo`, resolved as pre-flight resolves it (`~`, or relative to the plan file).
    public var repositoryURL: URL {
        GitOpsLocation.resolve(
            plan.gitops?.repo ?? ".", planDirectory: planFile.deletingLastPathComponent(),
            home: FileManager.default.homeDirectoryForCurrentUser)
    }
}
