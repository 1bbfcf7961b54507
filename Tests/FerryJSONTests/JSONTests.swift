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
