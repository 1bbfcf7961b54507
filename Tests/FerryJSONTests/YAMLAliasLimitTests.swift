import Testing

@testable import FerryJSON

/// Anchors that repeat anchors ("billion laughs") are stopped at the alias that
/// passes the limit, at once, instead of being written out to gigabytes.
@Suite("YAML alias limit")
struct YAMLAliasLimitTests {
    /// Nine levels of nine: 9^8 copies of "lol" under `i`, line 1 is `a`.
    static let bomb: String = {
        let names = "abcdefghi".map(String.init)
        var lines = ["a: &a [" + Array(repeating: "\"lol\"", count: 9).joined(separator: ",") + "]"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("a billion-laughs document fails in well under a second, at the alias that passed the limit")
    func billionLaughs() {
        let start = ContinuousClock.now
        do {
            _ = try YAMLDocument.parse(Self.bomb)
            Issue.record("expected the alias limit")
        } catch {
            // a to e expand to 74,718 nodes; the first *e of f (line 6, column 8) passes 100,000.
            #expect(error.description == """
                6:8: aliases here expand the document past 100000 nodes (a "billion laughs" document?): \
                a plan or a manifest has no need for aliases that deep; write the values out
                """)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(throws: YAMLSyntaxError.self) { try JSON.parseYAML(Self.bomb) }
    }

    @Test("the alias is found on its own line, after the items before it in a sequence")
    func aliasPosition() {
        let text = """
            base: &base {x: 1}
            list:
              - *base
              - y
              - [*base, *base]
            """
        do {
            _ = try YAMLDocument.parse(text, aliasNodeLimit: 5)
            Issue.record("expected the alias limit")
        } catch {
            // *base on line 3 makes 2 nodes, the first on line 5 two more: the second there passes 5.
            #expect(error.line == 5)
            #expect(error.column == 13)
        }
    }

    @Test("ordinary aliases still read")
    func ordinaryAliases() throws {
        let json = try JSON.parseYAML("labels: &l {app: frigate}\nselector: *l\n")
        #expect(json["selector"] == ["app": "frigate"])
    }
}
