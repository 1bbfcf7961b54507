import FerryRemote
import Foundation
import Testing

@testable import FerryGitOps

@Suite("A local clone driven through git")
struct GitRepositoryTests {
    static func makeRepository() async throws -> GitRepository {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let repository = GitRepository(directory: directory)
        try await repository.git(["init", "--quiet", "--initial-branch", "main"])
        try await repository.git(["config", "user.name", "Test"])
        try await repository.git(["config", "user.email", "test@example.invalid"])
        try Data("replicas: 1\n".utf8).write(to: directory.appendingPathComponent("deployment.yaml"))
        try await repository.git(["add", "."])
        try await repository.git(["commit", "--quiet", "-m", "initial"])
        return repository
    }

    @Test("head, branch and a clean tree are read from git itself")
    func cleanTree() async throws {
        let repository = try await Self.makeRepository()
        defer { try? FileManager.default.removeItem(at: repository.directory) }
        #expect(try await repository.head().count == 40)
        #expect(try await repository.currentBranch() == "main")
        #expect(try await repository.uncommittedChanges().isEmpty)
        try Data("replicas: 2\n".utf8).write(to: repository.directory.appendingPathComponent("deployment.yaml"))
        #expect(try await repository.uncommittedChanges() == [" M deployment.yaml"])
    }

    @Test("a failing git command is an error quoting git's own message")
    func failure() async throws {
        let repository = try await Self.makeRepository()
        defer { try? FileManager.default.removeItem(at: repository.directory) }
        let error = await #expect(throws: GitError.self) { try await repository.git(["checkout", "no-such-branch"]) }
        #expect(error?.description.contains("git checkout in \(repository.directory.path) failed") == true)
        #expect(error?.description.contains("no-such-branch") == true)
    }
}
