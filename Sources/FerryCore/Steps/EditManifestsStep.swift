import FerryGitOps
import FerryJSON
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
        try await push(branch)
    }

    func undo(_ context: StepContext) async throws {
        let branch = try await branch()
        guard let commit = await context.recall("commit") else {
            try await restoreFiles(context)
            return
        }
        if let revert = await context.recall("revert") {
            if try await isPushed(revert) { return }
        } else {
            do {
                try await repository.git(["revert", "--no-edit", commit])
            } catch {
                throw StepFailure(
                    "cannot revert \(commit.prefix(7)) in \(environment.repositoryURL.path): \(error)",
                    fix: "git -C \(environment.repositoryURL.path) revert \(commit.prefix(7)) by hand (resolve any conflict), push, then `ferry rollback`")
            }
            try await context.remember("revert", try await repository.head())
        }
        try await push(branch)
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
        if let before = await context.recall("base"), try await repository.head() == before {
            try await restoreFiles(context)  // an earlier attempt edited them and stopped before committing
        }
        try await gitStep("update \(branch) from origin", fix: "git -C \(environment.repositoryURL.path) pull --rebase; then `ferry resume`") {
            try await repository.git(["pull", "--ff-only", "--quiet", "origin", branch])
        }
        try await context.remember("base", try await repository.head())
        let edited = try await ManifestChanges.edited(environment.plan.manifestChanges, in: environment.repositoryURL)
        for (file, text) in edited.sorted(by: { $0.key < $1.key }) {
            try Data(text.utf8).write(to: environment.repositoryURL.appendingPathComponent(file))
        }
        try await gitStep("commit the edits", fix: "look at `git -C \(environment.repositoryURL.path) status`; then `ferry resume`") {
            try await repository.git(["add", "--"] + edited.keys.sorted())
            try await repository.git(["commit", "--quiet", "-m", message])
        }
        let commit = try await repository.head()
        try await context.remember("commit", commit)
        return commit
    }

    /// Puts the plan's files back as HEAD has them (only ferry's own uncommitted edits are there).
    private func restoreFiles(_ context: StepContext) async throws {
        let files = Array(Set(environment.plan.manifestChanges.map(\.file))).sorted()
        guard try await !repository.git(["status", "--porcelain", "--"] + files).isEmpty else { return }
        try await repository.git(["checkout", "HEAD", "--"] + files)
    }

    private func push(_ branch: String) async throws {
        try await gitStep("push to origin \(branch)", fix: "git -C \(environment.repositoryURL.path) pull --rebase && git push; then `ferry resume`") {
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
        let path = change.path.joined(separator: ".")
        switch change.edit {
        case .set(let value): return "set \(path) to \(value)"
        case .remove: return "remove \(path)"
        case .replace(let from, let to): return "in \(path), \(from) -> \(to)"
        }
    }
}

/// The plan's manifest changes applied to the files of a clone, in memory.
enum ManifestChanges {
    /// Every changed file's new text, by path relative to the clone. Throws before
    /// anything is written when any edit cannot be made.
    static func edited(_ changes: [MigrationPlan.ManifestChange], in repository: URL) async throws -> [String: String] {
        var texts: [String: String] = [:]
        for change in changes {
            let url = repository.appendingPathComponent(change.file)
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
                text = try ManifestEditor.apply(edit(change), to: text, file: change.file)
            } catch {
                throw StepFailure(String(describing: error), fix: "fix the plan's manifestChanges or the manifest, then `ferry resume`")
            }
            texts[change.file] = text
        }
        return texts
    }

    static func edit(_ change: MigrationPlan.ManifestChange) -> ManifestEdit {
        let operation: ManifestEdit.Operation
        switch change.edit {
        case .set(let value): operation = .set(.string(value))
        case .remove: operation = .remove
        case .replace(let from, let to): operation = .replace(from: from, to: to)
        }
        return ManifestEdit(
            document: change.document.flatMap(DocumentSelector.init(parsing:)), path: ManifestPath(parsing: change.path), operation: operation)
    }
}

extension MigrationEnvironment {
    /// The plan's `gitops.repo`: `~` expanded, a relative path taken from the plan file's directory.
    var repositoryURL: URL {
        let repo = plan.gitops?.repo ?? "."
        if repo == "~" || repo.hasPrefix("~/") {
            return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(repo.dropFirst(2)))
        }
        if repo.hasPrefix("/") { return URL(fileURLWithPath: repo) }
        return planFile.deletingLastPathComponent().appendingPathComponent(repo)
    }
}
