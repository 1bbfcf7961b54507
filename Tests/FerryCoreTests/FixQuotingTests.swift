import FerryGitOps
import FerryRemote
import Foundation
import Testing

@testable import FerryCore

/// Fixes are commands a person pastes: a user's value that is not a plain word is
/// shell-quoted in them, and plain names print as they are.
@Suite("Fixes quote users' values")
struct FixQuotingTests {
    @Test("a branch named main;touch${IFS}pwned is quoted in the switch fix; the clone's path too when it has a space")
    func branchQuoted() async throws {
        let clone = FileManager.default.temporaryDirectory.appendingPathComponent("ferry fix \(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: clone) }
        #expect(try await TestGit.initialize(clone, branch: "main") == 0)
        let text = PlanFixtures.frigate
            .replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: \"\(clone.path)\"")
            .replacingOccurrences(of: "branch: main", with: "branch: \"main;touch${IFS}pwned\"")
        let plan = try PlanParser.parse(text, file: "m.yaml")
        let results = await GitChecks(plan: plan, repository: GitRepository(directory: clone)).run()
        let branch = try #require(results.first { $0.check == "git branch" })
        #expect(branch.fix == "git -C '\(clone.path)' switch 'main;touch${IFS}pwned'")
    }

    @Test("an ordinary branch and path print unquoted, as before")
    func plainUnquoted() async throws {
        let clone = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-fix-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: clone) }
        #expect(try await TestGit.initialize(clone, branch: "work") == 0)
        let text = PlanFixtures.frigate.replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: \(clone.path)")
        let results = await GitChecks(plan: try PlanParser.parse(text, file: "m.yaml"), repository: GitRepository(directory: clone)).run()
        #expect(results.first { $0.check == "git branch" }?.fix == "git -C \(clone.path) switch main")
    }
}

/// `git` for a test's set-up, its exit status only.
enum TestGit {
    /// A clone with one commit on `branch`, so that it has a current branch.
    static func initialize(_ clone: URL, branch: String) async throws -> Int32 {
        let status = try await run(["init", "-q", "-b", branch, clone.path])
        guard status == 0 else { return status }
        return try await run([
            "-C", clone.path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "init",
        ])
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        try await FerryRemote.LocalProcessRunner().run("git", arguments, environment: [:], stdin: nil, workingDirectory: nil).exitCode
    }
}
