import Foundation
import Testing

/// `ferry bench` runs in a lab of its own and prints its figures; the figures are
/// the machine's, so only what a user relies on is checked: it finishes, every
/// check of the reference plan passes, and it cleans up after itself.
@Suite("ferry bench")
struct BenchCommandTests {
    @Test("bench check runs the reference plan's checks through a slowed lab and prints each run's time")
    func benchCheck() async throws {
        let labsBefore = try Self.benchLabs()
        let result = try await Self.ferry(["bench", "check", "--runs", "2", "--latency", "50"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "ferry bench check: 2 run(s) with 0.050s on every lab endpoint")
        #expect(lines.filter { $0.hasPrefix("  run ") && $0.hasSuffix(" checks") }.count == 2, "\(result.stdout)")
        #expect(!result.stdout.contains("failed:"), "\(result.stdout)")
        #expect(try Self.benchLabs() == labsBefore, "the bench's lab directory is removed")
    }

    @Test("bench options out of range are usage errors")
    func usage() async throws {
        let runs = try await Self.ferry(["bench", "migration", "--runs", "0"])
        #expect(runs.status == 64)
        #expect(runs.stderr.hasPrefix("Error: --runs must be between 1 and 50\n"), "\(runs.stderr)")
        let change = try await Self.ferry(["bench", "volumes", "--change-percent", "0"])
        #expect(change.status == 64)
        #expect(change.stderr.hasPrefix("Error: --change-percent must be above 0 and at most 100\n"), "\(change.stderr)")
    }

    /// The built ferry with `arguments`, its output in a scratch directory removed afterwards.
    static func ferry(_ arguments: [String]) async throws -> ChildProcess.Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try await ChildProcess.run(try FerryBinary.locate().path, arguments, scratch: scratch)
    }

    static func benchLabs() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("ferry-bench-") })
    }
}
