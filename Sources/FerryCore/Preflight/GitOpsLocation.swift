import Foundation

/// Where the plan's `gitops.repo` is on disk. The plan says `~` is the user's home
/// and a relative path is relative to the plan file (docs/PLAN.md), so that a plan
/// kept next to its clone works from any working directory.
enum GitOpsLocation {
    static func resolve(_ repo: String, planDirectory: URL, home: URL) -> URL {
        if repo == "~" { return home.standardizedFileURL }
        if repo.hasPrefix("~/") {
            return home.appendingPathComponent(String(repo.dropFirst(2)), isDirectory: true).standardizedFileURL
        }
        if repo.hasPrefix("/") { return URL(fileURLWithPath: repo, isDirectory: true).standardizedFileURL }
        return planDirectory.appendingPathComponent(repo, isDirectory: true).standardizedFileURL
    }
}
