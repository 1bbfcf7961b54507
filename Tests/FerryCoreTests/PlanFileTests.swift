import Foundation
import Testing

@testable import FerryCore

/// The one reader of plan files: sizes, encodings and aliases that used to hang or
/// say nothing useful are refused with a position and a fix.
@Suite("Plan files")
struct PlanFileTests {
    static func write(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-plan-\(UUID().uuidString.prefix(8)).yaml")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("a byte that is not UTF-8 is reported at its line and column, with its value and the fix")
    func invalidUTF8() throws {
        // Line 3 is "  name: caf" then 0xE9 (é in Latin-1): column 12.
        let path = try Self.write(Array("apiVersion: ferry.dev/v1alpha1\nmetadata:\n  name: caf".utf8) + [0xE9] + Array("\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: PlanError.self) { try PlanFile.read(path) }
        do {
            _ = try PlanFile.load(path)
        } catch {
            #expect("\(error)" == """
                \(path):3:12: the plan is not valid UTF-8 (byte 0xE9): save it as UTF-8 (in an editor: the file's encoding; or `iconv -f LATIN1 -t UTF-8`)
                \(path): 1 problem; fix the plan and run the command again.
                """)
        }
    }

    @Test("columns count characters, not bytes, before the bad byte")
    func columnsCountCharacters() throws {
        #expect(throws: PlanError.self) { try PlanFile.decode(Array("a: ü".utf8) + [0xFF], file: "m.yaml") }
        do {
            _ = try PlanFile.decode(Array("a: ü".utf8) + [0xFF], file: "m.yaml")
        } catch {
            #expect(error.problems.map(\.description) == [
                "m.yaml:1:5: the plan is not valid UTF-8 (byte 0xFF): save it as UTF-8 (in an editor: the file's encoding; or `iconv -f LATIN1 -t UTF-8`)",
            ])
        }
        #expect(try PlanFile.decode(Array("a: ü\n".utf8), file: "m.yaml") == "a: ü\n")
    }

    @Test("a file larger than 1 MiB is refused at line 1 without being read whole")
    func tooLarge() throws {
        let path = try Self.write(Array(repeating: UInt8(ascii: "#"), count: 3 << 20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try PlanFile.read(path)
            Issue.record("expected the size limit")
        } catch {
            #expect("\(error)".hasPrefix(
                "\(path):1:1: the file is larger than 1024 KiB, which no plan is: check that this is the plan ferry plan wrote (a plan is a few KB)\n"))
        }
    }

    @Test("a missing file says so, with its path")
    func missing() {
        do {
            _ = try PlanFile.read("/nonexistent/migration.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "cannot read the plan /nonexistent/migration.yaml: No such file or directory")
        }
    }

    @Test("a billion-laughs plan is refused in well under a second at the alias, with the fix")
    func aliasBomb() throws {
        let names = "abcdefghi".map(String.init)
        var lines = ["a: &a [" + Array(repeating: "\"lol\"", count: 9).joined(separator: ",") + "]"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        let path = try Self.write(Array(lines.joined(separator: "\n").utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let start = ContinuousClock.now
        do {
            _ = try PlanFile.load(path)
            Issue.record("expected the alias limit")
        } catch {
            #expect("\(error)".hasPrefix("""
                \(path):6:8: aliases here expand the document past 100000 nodes (a "billion laughs" document?): \
                a plan or a manifest has no need for aliases that deep; write the values out\n
                """))
        }
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
