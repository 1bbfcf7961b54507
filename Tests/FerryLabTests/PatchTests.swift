import Testing

@testable import FerryLab
import FerryJSON

private func j(_ text: String) -> JSON {
    do { return try JSON.parse(text) } catch { fatalError("bad test JSON: \(text)") }
}

private func jsonPatchError(_ ops: String, _ doc: String) -> String? {
    do {
        _ = try Patch.jsonPatch(j(ops), into: j(doc))
        return nil
    } catch {
        return error.message
    }
}

@Suite("JSON merge patch (RFC 7386)")
struct MergePatchTests {
    @Test("null removes a key and nested objects merge")
    func nullAndNested() {
        let target = j(#"{"metadata":{"labels":{"a":"1","b":"2"},"name":"web"},"spec":{"replicas":1}}"#)
        let patch = j(#"{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"replicas":3}}"#)
        #expect(
            Patch.merge(patch, into: target)
                == j(#"{"metadata":{"labels":{"b":"2","c":"3"},"name":"web"},"spec":{"replicas":3}}"#))
    }

    @Test("arrays are replaced whole and non-object patches replace the target")
    func arraysReplace() {
        #expect(Patch.merge(j(#"{"a":[3]}"#), into: j(#"{"a":[1,2]}"#)) == j(#"{"a":[3]}"#))
        #expect(Patch.merge(j(#"[1]"#), into: j(#"{"a":1}"#)) == j(#"[1]"#))
    }

    @Test("nulls inside a newly added object are dropped")
    func newObjectNulls() {
        #expect(Patch.merge(j(#"{"a":{"b":null,"c":1}}"#), into: j("{}")) == j(#"{"a":{"c":1}}"#))
    }
}

@Suite("JSON patch (RFC 6902)")
struct JSONPatchTests {
    @Test("add sets keys, inserts at an index and appends with -")
    func add() throws {
        let doc = j(#"{"spec":{"args":["a","c"]}}"#)
        let ops = j(#"""
            [{"op":"add","path":"/spec/args/1","value":"b"},
             {"op":"add","path":"/spec/args/-","value":"d"},
             {"op":"add","path":"/metadata","value":{"name":"x"}}]
            """#)
        #expect(try Patch.jsonPatch(ops, into: doc) == j(#"{"metadata":{"name":"x"},"spec":{"args":["a","b","c","d"]}}"#))
    }

    @Test("remove, replace, move, copy and test work together")
    func otherOps() throws {
        let doc = j(#"{"a":1,"b":{"c":[1,2,3]},"d":"x"}"#)
        let ops = j(#"""
            [{"op":"test","path":"/a","value":1},
             {"op":"remove","path":"/b/c/0"},
             {"op":"replace","path":"/a","value":2},
             {"op":"move","from":"/d","path":"/b/d"},
             {"op":"copy","from":"/b/c","path":"/e"}]
            """#)
        #expect(try Patch.jsonPatch(ops, into: doc) == j(#"{"a":2,"b":{"c":[2,3],"d":"x"},"e":[2,3]}"#))
    }

    @Test("~1 and ~0 escape / and ~ in keys")
    func escaping() throws {
        let doc = j(#"{"metadata":{"annotations":{"example.com/a~b":"1"}}}"#)
        let ops = j(#"[{"op":"replace","path":"/metadata/annotations/example.com~1a~0b","value":"2"}]"#)
        #expect(try Patch.jsonPatch(ops, into: doc) == j(#"{"metadata":{"annotations":{"example.com/a~b":"2"}}}"#))
    }

    @Test("a failing test op reports the path like the apiserver")
    func testFails() {
        #expect(jsonPatchError(#"[{"op":"test","path":"/a","value":2}]"#, #"{"a":1}"#) == "testing value /a failed: test failed")
    }

    @Test("removing a missing key or path fails with evanphx's text")
    func removeMissing() {
        #expect(
            jsonPatchError(#"[{"op":"remove","path":"/spec/nodeSelector"}]"#, #"{"spec":{}}"#)
                == "error in remove for path: '/spec/nodeSelector': Unable to remove nonexistent key: nodeSelector: missing value")
        #expect(
            jsonPatchError(#"[{"op":"remove","path":"/spec/template/x"}]"#, #"{"spec":{}}"#)
                == #"remove operation does not apply: doc is missing path: "/spec/template/x": missing value"#)
    }

    @Test("replace needs the parent path, and an index inside the array")
    func replaceMissing() {
        #expect(
            jsonPatchError(#"[{"op":"replace","path":"/a/b","value":1}]"#, "{}")
                == "replace operation does not apply: doc is missing path: /a/b: missing value")
        #expect(
            jsonPatchError(#"[{"op":"replace","path":"/a/5","value":1}]"#, #"{"a":[1]}"#)
                == "replace operation does not apply: doc is missing key: /a/5: missing value")
    }

    @Test("add past the end of an array is an invalid index")
    func addOutOfRange() {
        #expect(
            jsonPatchError(#"[{"op":"add","path":"/a/3","value":1}]"#, #"{"a":[1]}"#)
                == "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced")
    }

    @Test("unknown ops and non-array patches are rejected")
    func malformed() {
        #expect(jsonPatchError(#"[{"op":"frob","path":"/a"}]"#, "{}") == "Unexpected kind: frob")
        #expect(jsonPatchError(#"{"op":"add"}"#, "{}") == "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    }

    @Test("a failed op leaves the document unchanged")
    func atomic() {
        let doc = j(#"{"a":1}"#)
        #expect(throws: PatchError.self) {
            try Patch.jsonPatch(j(#"[{"op":"replace","path":"/a","value":5},{"op":"test","path":"/a","value":1}]"#), into: doc)
        }
    }
}

@Suite("Strategic merge patch")
struct StrategicMergePatchTests {
    let deployment = j(#"""
        {"metadata":{"name":"web","finalizers":["a","b"]},
         "spec":{"template":{"spec":{"containers":[
            {"name":"app","image":"app:1","args":["--x","--y"],
             "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
             "ports":[{"containerPort":80,"name":"http"}]},
            {"name":"sidecar","image":"proxy:1"}]}}}}
        """#)

    private func patched(_ patch: String) throws -> JSON {
        try Patch.strategicMerge(j(patch), into: deployment)
    }

    private func containers(_ object: JSON) -> [JSON] {
        object[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
    }

    @Test("changing one container's image keeps the other container")
    func containerByName() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}}"#)
        let list = containers(result)
        #expect(list.map { $0["name"] } == ["app", "sidecar"])
        #expect(list[0]["image"] == "app:2")
        #expect(list[0]["args"] == ["--x", "--y"])
        #expect(list[1]["image"] == "proxy:1")
    }

    @Test("a new container goes first, as the Kubernetes docs show")
    func newContainerFirst() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"debug","image":"busybox"}]}}}}"#)
        #expect(containers(result).map { $0["name"] } == ["debug", "app", "sidecar"])
    }

    @Test("env merges by name and null deletes a field of a merged element")
    func envByName() throws {
        let result = try patched(#"""
            {"spec":{"template":{"spec":{"containers":[{"name":"app","image":null,
              "env":[{"name":"B","value":"two"},{"name":"C","value":"3"}]}]}}}}
            """#)
        let app = containers(result)[0]
        #expect(app["image"] == .null)
        #expect(app.objectValue?["image"] == nil)
        #expect(app["env"] == j(#"[{"name":"A","value":"1"},{"name":"B","value":"two"},{"name":"C","value":"3"}]"#))
    }

    @Test("$patch: delete removes a container by its merge key")
    func deleteContainer() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#)
        #expect(containers(result).map { $0["name"] } == ["app"])
    }

    @Test("$patch: replace on a list replaces the whole list")
    func replaceList() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}}}"#)
        #expect(containers(result) == [j(#"{"name":"only","image":"x"}"#)])
    }

    @Test("$patch: replace and delete on a map")
    func mapDirectives() throws {
        let replaced = try Patch.strategicMerge(
            j(#"{"metadata":{"labels":{"$patch":"replace","new":"1"}}}"#),
            into: j(#"{"metadata":{"labels":{"old":"1"}}}"#))
        #expect(replaced == j(#"{"metadata":{"labels":{"new":"1"}}}"#))
        let deleted = try Patch.strategicMerge(
            j(#"{"spec":{"selector":{"$patch":"delete"}}}"#), into: j(#"{"spec":{"selector":{"a":"b"}}}"#))
        #expect(deleted == j(#"{"spec":{"selector":{}}}"#))
    }

    @Test("finalizers merge as a set of primitives")
    func finalizers() throws {
        let result = try patched(#"{"metadata":{"finalizers":["b","c"]}}"#)
        #expect(Set(result[path: ["metadata", "finalizers"]]?.arrayValue ?? []) == ["a", "b", "c"])
        #expect(result[path: ["metadata", "finalizers"]]?.arrayValue?.count == 3)
    }

    @Test("$deleteFromPrimitiveList removes finalizers")
    func deleteFromPrimitiveList() throws {
        let result = try patched(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#)
        #expect(result[path: ["metadata", "finalizers"]] == ["b"])
    }

    @Test("a list without a merge strategy, such as args, is replaced")
    func argsReplaced() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"app","args":["--z"]}]}}}}"#)
        #expect(containers(result)[0]["args"] == ["--z"])
    }

    @Test("container ports merge by containerPort")
    func portsByContainerPort() throws {
        let result = try patched(#"{"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}"#)
        #expect(containers(result)[0]["ports"] == j(#"[{"containerPort":80,"name":"http","protocol":"TCP"}]"#))
    }

    @Test("$setElementOrder orders the merged list")
    func setElementOrder() throws {
        let result = try patched(#"""
            {"spec":{"template":{"spec":{
              "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
              "containers":[{"name":"app","image":"app:3"}]}}}}
            """#)
        #expect(containers(result).map { $0["name"] } == ["sidecar", "app"])
        #expect(containers(result)[1]["image"] == "app:3")
    }

    @Test("$retainKeys clears keys that are not listed")
    func retainKeys() throws {
        let result = try Patch.strategicMerge(
            j(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#),
            into: j(#"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#))
        #expect(result == j(#"{"spec":{"strategy":{"type":"Recreate"}}}"#))
    }

    @Test("an element without its merge key is rejected like apimachinery")
    func missingMergeKey() {
        #expect(throws: PatchError(message: "map: map[image:x] does not contain declared merge key: name")) {
            try Patch.strategicMerge(
                j(#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#), into: self.deployment)
        }
    }

    @Test("conditions merge by type")
    func conditionsByType() throws {
        let result = try Patch.strategicMerge(
            j(#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#),
            into: j(#"{"status":{"conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}}"#))
        #expect(result[path: ["status", "conditions"]] == j(#"[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]"#))
    }
}
