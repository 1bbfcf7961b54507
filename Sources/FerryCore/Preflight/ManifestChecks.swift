import FerryGitOps
import Foundation

/// The plan's manifest edits, made in memory on the clone's files as `ferry run` will
/// make them: a file outside the clone (a symlink) or an edit that no longer fits the
/// file is found before anything changes, not after the source is torn down.
struct ManifestChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let clone: URL?
    var name: String { "manifests" }
    var waitsFor: String { "the clone's files" }

    func run() async -> [PreflightResult] {
        guard let clone, !plan.manifestChanges.isEmpty else { return [] }
        var results: [PreflightResult] = []
        let files = Array(Set(plan.manifestChanges.map(\.file) + (plan.gitops?.files ?? []))).sorted()
        for file in files {
            do {
                _ = try CloneFile.resolve(file, in: clone)
            } catch {
                results.append(.fail("manifest \(file)", error.description, fix: error.fix))
            }
        }
        guard results.isEmpty else { return results }
        do {
            let edited = try await ManifestChanges.edited(plan.manifestChanges, in: clone)
            results.append(.pass("manifests", "the \(plan.manifestChanges.count) edits apply to \(edited.count) file\(edited.count == 1 ? "" : "s") in the clone"))
        } catch let failure as StepFailure {
            results.append(.fail("manifests", failure.message, fix: (failure.fix ?? "fix the plan's manifestChanges").replacingOccurrences(of: ", then `ferry resume`", with: ", then run ferry check again")))
        } catch {
            results.append(.fail("manifests", String(describing: error), fix: "fix the plan's manifestChanges, then run ferry check again"))
        }
        return results
    }
}
