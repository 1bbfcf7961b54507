import FerryJSON
import Testing

@testable import FerryGitOps

/// A change that cannot be made says what, where (file:line:column) and what to do,
/// and leaves the text alone.
@Suite("Manifest edit errors")
struct ManifestEditErrorTests {
    let text = """
        spec:
          template:
            spec:
              nodeSelector:
                kubernetes.io/hostname: old
              containers:
                - name: app
                  args: [--a, --b]
                  env: {A: "1"}

        """

    func error(_ path: ManifestPath, _ operation: ManifestEdit.Operation, in text: String? = nil) throws -> ManifestEditError {
        try #require(throws: ManifestEditError.self) {
            try ManifestEditor.apply([ManifestEdit(path: path, operation: operation)], to: text ?? self.text, file: "app.yaml")
        }
    }

    @Test("a missing key is named, at the mapping that lacks it, with the keys it has")
    func missingKey() throws {
        let error = try error(["spec", "template", "spec", "nodeSelectr", "x"], .remove)
        #expect(error.kind == .notFound)
        #expect(error.description
            == "app.yaml:4:7: spec.template.spec has no field \"nodeSelectr\": its fields are nodeSelector, containers")
    }

    @Test("a list item that is not there: by index, by name=VALUE, or by a key")
    func missingItem() throws {
        #expect(try error(["spec", "template", "spec", "containers", "3"], .remove).description
            == "app.yaml:7:9: spec.template.spec.containers has 1 item; there is no item 3: items are counted from 0")
        #expect(try error(["spec", "template", "spec", "containers", "name=frigate", "image"], .set("x")).description
            == "app.yaml:7:9: spec.template.spec.containers has no item with name=frigate: its items' name values are app")
        let key = try error(["spec", "template", "spec", "containers", "app"], .remove)
        #expect(key.kind == .typeMismatch)
        #expect(key.description.hasPrefix("app.yaml:7:9: spec.template.spec.containers is a list, so it has no field \"app\""))
    }

    @Test("a path through a scalar, a set on a mapping and a replace on a number are type mismatches")
    func typeMismatch() throws {
        #expect(try error(["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname", "x"], .set("y")).description
            == "app.yaml:5:33: spec.template.spec.nodeSelector[\"kubernetes.io/hostname\"] is a string, so it has no field \"x\"")
        #expect(try error(["spec", "template", "spec", "nodeSelector"], .set("y")).description
            == "app.yaml:5:9: spec.template.spec.nodeSelector is a mapping; set writes a single value: name a field inside it, or remove it first")
        #expect(try error(["a"], .replace(from: "1", to: "2"), in: "a: 1\n").description
            == "app.yaml:1:4: a is an integer, and replace works inside text: use set to change the whole value")
    }

    @Test("replace needs its text to occur")
    func textNotFound() throws {
        let error = try error(["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"], .replace(from: "Old", to: "new"))
        #expect(error.kind == .textNotFound)
        #expect(error.description == """
            app.yaml:5:33: spec.template.spec.nodeSelector["kubernetes.io/hostname"] does not contain "Old": \
            the text is matched exactly, case and spaces included
            """)
    }

    @Test("flow collections are not edited in place, and say how to make them editable")
    func flow() throws {
        let error = try error(["spec", "template", "spec", "containers", "0", "args", "1"], .remove)
        #expect(error.kind == .notEditableInPlace)
        #expect(error.description == """
            app.yaml:8:17: spec.template.spec.containers[0].args is written in flow style ([...] or {...}), \
            which ferry does not edit in place: rewrite it in block style (one "key: value" or "- item" per line), commit, and run again
            """)
        #expect(try self.error(["spec", "template", "spec", "containers", "0", "env", "A"], .set("2")).kind == .notEditableInPlace)
    }

    @Test("a file that is not YAML is reported where it breaks")
    func syntax() throws {
        let error = try error(["a"], .remove, in: "a: 1\nb: [2\n")
        #expect(error.kind == .syntax)
        #expect(error.line == 3)
    }
}
