import Foundation
import Testing

@testable import FerryJSON

@Suite("JSON values")
struct JSONTests {
    @Test("integers stay integers and doubles stay doubles through a round trip")
    func numbers() throws {
        let parsed = try JSON.parse(#"{"replicas":1,"ratio":0.25,"big":9007199254740993}"#)
        #expect(parsed["replicas"] == .int(1))
        #expect(parsed["ratio"] == .double(0.25))
        #expect(parsed["big"] == .int(9_007_199_254_740_993))
        #expect(parsed.serialized == #"{"big":9007199254740993,"ratio":0.25,"replicas":1}"#)
    }

    @Test("keys are printed sorted and strings escaped as the apiserver does")
    func printing() throws {
        let value: JSON = ["b": "line\n\"quoted\" <tag>", "a": [true, nil]]
        #expect(value.serialized == #"{"a":[true,null],"b":"line\n\"quoted\" \u003ctag\u003e"}"#)
        #expect(try JSON.parse(value.serialized) == value)
    }

    @Test("path writes create intermediate objects and nil removes the key")
    func paths() {
        var object = JSON.emptyObject
        object[path: ["metadata", "labels", "app"]] = "frigate"
        #expect(object["metadata"]["labels"]["app"].stringValue == "frigate")
        object[path: ["metadata", "labels", "app"]] = nil
        #expect(object["metadata"]["labels"] == .emptyObject)
        #expect(object[path: ["spec", "missing"]] == nil)
    }

    @Test("malformed input is an error, not a crash")
    func malformed() {
        #expect(throws: (any Error).self) { try JSON.parse("{\"a\": }") }
    }
}

@Suite("YAML to JSON")
struct YAMLTests {
    @Test("scalars are typed as Kubernetes reads them: quoted numbers stay strings")
    func scalars() throws {
        let value = try JSON.parseYAML("replicas: 1\nport: \"8080\"\nratio: 0.5\nenabled: true\nnothing: ~\n")
        #expect(value == ["replicas": 1, "port": "8080", "ratio": 0.5, "enabled": true, "nothing": nil])
    }

    @Test("a multi-document stream yields each non-empty document")
    func documents() throws {
        let docs = try JSON.parseYAMLDocuments("---\na: 1\n---\n---\nb: [x, y]\n")
        #expect(docs == [["a": 1], ["b": ["x", "y"]]])
    }

    @Test("a syntax error says the line and column")
    func syntaxError() {
        do {
            _ = try JSON.parseYAML("a: 1\nb: [unclosed\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("3:"))
        }
    }

    @Test("a duplicate key is refused with its position")
    func duplicateKey() {
        #expect(throws: YAMLSyntaxError.self) { try JSON.parseYAML("a: 1\na: 2\n") }
    }
}
