import FerryGitOps
import Foundation

/// The migration's commit as `git show` prints it, read from the plan's GitOps clone.
/// The report is often made away from that clone (another machine, a CI job), so a
/// missing clone or commit is said in the report, not an error.
enum CommitDiff {
    static func look(commit: String, revert: String?, repository: URL, plan: MigrationPlan) async -> MigrationReport.Commit {
        let shown = plan.gitops?.repo ?? repository.path
        var result = MigrationReport.Commit(id: commit, revert: revert, repository: shown, diff: nil, unavailable: nil)
        guard FileManager.default.fileExists(atPath: repository.appendingPathComponent(".git").path) else {
            result.unavailable = "the GitOps clone \(shown) (\(repository.path)) is not on this machine: "
                + "`git -C CLONE show --stat --patch \(commit)` shows it where the clone is"
            return result
        }
        do {
            result.diff = try await GitRepository(directory: repository).git(
                ["show", "--no-color", "--no-ext-diff", "--stat", "--patch", "--format=fuller", commit])
        } catch {
            result.unavailable = "the clone \(repository.path) cannot show commit \(commit) (\(error)): "
                + "`git -C \(repository.path) fetch`, then `ferry report` again"
        }
        return result
    }
}
