import FerryGitOps
import Foundation

/// A commit ferry pushed (its edit, or the revert of it), as the GitOps controller may
/// apply it: itself, or a commit pushed on top of it that contains it. The commit is
/// pushed in the first second of the downtime and Flux applies it only at the end, after
/// the physical move: a teammate's or a bot's push in between is the usual case, not an
/// error, and Flux then applies their commit with ferry's in it.
struct PushedCommit: Sendable {
    let sha: String
    /// Whether the commit `sha` (a revision Flux applied) has this one among its
    /// ancestors, as origin has it now.
    let isIn: @Sendable (String) async -> Bool

    /// Asks ferry's clone, fetching origin first: the commit on top was pushed from
    /// elsewhere.
    init(_ sha: String, in repository: GitRepository) {
        self.sha = sha
        isIn = { revision in
            _ = try? await repository.git(["fetch", "--quiet", "origin"])
            return (try? await repository.git(["merge-base", "--is-ancestor", sha, revision])) != nil
        }
    }
}
