import Testing

@testable import FerryJSON

@Suite("YAML documents with positions")
struct YAMLDocumentTests {
    let text = """
        # a comment
        devices:
          - name: coral
            ids: [1a6e:089a, 18d1:9302]
            address: 0000:01:00.0
        timeouts:
          vmBoot: 5m
        empty:
        """

    @Test("the JSON is what parseYAML gives")
    func sameJSON() throws {
        let document = try YAMLDocument.parse(text)
        #expect(document.root == (try JSON.parseYAML(text)))
        #expect(document.root[path: ["devices"]]?.arrayValue?.first?["ids"] == ["1a6e:089a", "18d1:9302"])
    }

    @Test("values and keys have their line and column, counted from 1")
    func positions() throws {
        let document = try YAMLDocument.parse(text)
        #expect(document.position(of: ["devices", "0", "ids", "1"]) == YAMLPosition(line: 4, column: 22))
        #expect(document.keyPosition(of: ["devices", "0", "ids"]) == YAMLPosition(line: 4, column: 5))
        #expect(document.position(of: ["devices", "0"]) == YAMLPosition(line: 3, column: 5))
        #expect(document.keyPosition(of: ["timeouts", "vmBoot"]) == YAMLPosition(line: 7, column: 3))
        #expect(document.position(of: ["timeouts", "vmBoot"]) == YAMLPosition(line: 7, column: 11))
        #expect(document.position(of: ["timeouts", "nodeReady"]) == nil)
        #expect(document.nearestPosition(of: ["timeouts", "nodeReady"]) == YAMLPosition(line: 7, column: 3))
        #expect(document.keyPosition(of: ["empty"]) == YAMLPosition(line: 8, column: 1))
        #expect(document.root["empty"] == .null)
    }

    @Test("scalars keep the text as written, even when YAML types them as numbers")
    func scalarText() throws {
        let document = try YAMLDocument.parse("address: 0000:01:00.0\nid: 0x10\n")
        #expect(document.scalarText(at: ["address"]) == "0000:01:00.0")
        #expect(document.scalarText(at: ["id"]) == "0x10")
    }

    @Test("a syntax error has its line and column")
    func syntaxError() {
        #expect(throws: YAMLSyntaxError.self) { try YAMLDocument.parse("a: [1, 2\nb: c\n") }
        do {
            _ = try YAMLDocument.parse("a: b\n  c: d\n")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test("an empty text is a null document")
    func empty() throws {
        #expect(try YAMLDocument.parse("").root == .null)
        #expect(try YAMLDocument.parse("# nothing\n").root == .null)
    }
}
