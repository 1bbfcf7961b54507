import Foundation
import Testing

/// Every command that takes a plan reads it through one reader: a plan that is not
/// UTF-8, or whose aliases explode, is refused the same way by each, at once.
@Suite("plan files on the command line")
struct PlanFileCommandTests {
    static func ferry(_ command: String, plan bytes: [UInt8]) async throws -> ChildProcess.Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(bytes).write(to: scratch.appendingPathComponent("migration.yaml"))
        let ferry = try FerryBinary.locate().path
        return try await ChildProcess.run(
            "/bin/bash", ["-c", "cd \(scratch.path) && \(ferry) \(command) migration.yaml\(command == "status" ? "" : " --kubeconfig /nonexistent")"],
            scratch: scratch)
    }

    @Test("check, run, resume, rollback and status refuse a plan that is not UTF-8 with its line, column and byte", arguments: [
        "check", "run", "resume", "rollback", "status",
    ])
    func invalidUTF8(command: String) async throws {
        let plan = Array("apiVersion: ferry.dev/v1alpha1\nkind: MigrationPlan\nmetadata:\n  name: caf".utf8) + [0xE9, 0x0A]
        let result = try await Self.ferry(command, plan: plan)
        #expect(result.status == 2)
        #expect(result.stderr == """
            Error: migration.yaml:4:12: the plan is not valid UTF-8 (byte 0xE9): save it as UTF-8 (in an editor: the file's encoding; or `iconv -f LATIN1 -t UTF-8`)
            migration.yaml: 1 problem; fix the plan and run the command again.

            """)
    }

    @Test("ferry check refuses a billion-laughs plan in seconds, not minutes, at the alias")
    func aliasBomb() async throws {
        let names = "abcdefghi".map(String.init)
        var lines = ["a: &a [" + Array(repeating: "\"lol\"", count: 9).joined(separator: ",") + "]"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        let start = ContinuousClock.now
        let result = try await Self.ferry("check", plan: Array((lines.joined(separator: "\n") + "\n").utf8))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: migration.yaml:6:8: aliases here expand the document past 100000 nodes"))
    }
}
