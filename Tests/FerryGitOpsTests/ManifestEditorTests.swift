import FerryJSON
import Testing

@testable import FerryGitOps

/// Each operation changes only the lines of the field it names.
@Suite("Manifest edits keep everything else")
struct ManifestEditorTests {
    func edit(_ text: String, _ path: ManifestPath, _ operation: ManifestEdit.Operation, document: String? = nil) throws -> String {
        try ManifestEditor.apply(
            [ManifestEdit(document: document.flatMap(DocumentSelector.init(parsing:)), path: path, operation: operation)],
            to: text, file: "app.yaml")
    }

    let deployment = """
        # the app
        spec:
          strategy:
            type: Recreate # one pod at a time
          template:
            spec:
              nodeSelector:
                kubernetes.io/hostname: old-node   # pinned
                coral.ai/tpu: usb
              containers:
                - name: app
                  image: app:1
                  resources:
                    limits:
                      # the GPU
                      nvidia.com/gpu: 1
                - name: sidecar
                  image: sidecar:1

        """

    @Test("set replaces a value in place and keeps the line's comment")
    func setKeepsComment() throws {
        let new = try edit(deployment, ["spec", "strategy", "type"], .set("RollingUpdate"))
        #expect(new == deployment.replacingOccurrences(of: "type: Recreate # one", with: "type: RollingUpdate # one"))
        let pinned = try edit(deployment, ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"], .set("new-node"))
        #expect(pinned == deployment.replacingOccurrences(of: "old-node   # pinned", with: "new-node   # pinned"))
    }

    @Test("set adds a missing key at the end of its mapping, at the mapping's indentation")
    func setCreatesKey() throws {
        let new = try edit(deployment, ["spec", "template", "spec", "nodeSelector", "gpu"], .set("none"))
        #expect(new == deployment.replacingOccurrences(
            of: "        coral.ai/tpu: usb\n", with: "        coral.ai/tpu: usb\n        gpu: none\n"))
    }

    @Test("set creates the missing mappings above the key too")
    func setCreatesMappings() throws {
        let new = try edit(deployment, ["spec", "template", "metadata", "labels", "app"], .set("frigate"))
        #expect(new == deployment.replacingOccurrences(
            of: "          image: sidecar:1\n", with: "          image: sidecar:1\n    metadata:\n      labels:\n        app: frigate\n"))
    }

    @Test("set fills a key written with no value, and turns an empty {} into a block")
    func setEmpty() throws {
        #expect(try edit("spec:\n  nodeName:   # not yet\n  x: 1\n", ["spec", "nodeName"], .set("fawn"))
            == "spec:\n  nodeName: fawn   # not yet\n  x: 1\n")
        #expect(try edit("spec:\n  nodeSelector: {}  # none\n  x: 1\n", ["spec", "nodeSelector", "disk"], .set("ssd"))
            == "spec:\n  nodeSelector:  # none\n    disk: ssd\n  x: 1\n")
    }

    @Test("set quotes a string that YAML would read as another type, and keeps the old quotes")
    func setQuotes() throws {
        #expect(try edit("a: x\n", ["a"], .set("true")) == "a: \"true\"\n")
        #expect(try edit("a: x\n", ["a"], .set("1")) == "a: \"1\"\n")
        #expect(try edit("a: x\n", ["a"], .set("")) == "a: \"\"\n")
        #expect(try edit("a: x\n", ["a"], .set("~")) == "a: \"~\"\n")
        #expect(try edit("a: x\n", ["a"], .set("b: c")) == "a: \"b: c\"\n")
        #expect(try edit("cpu: '1'\n", ["cpu"], .set("2")) == "cpu: '2'\n")
        #expect(try edit("cpu: \"1\"\n", ["cpu"], .set("500m")) == "cpu: \"500m\"\n")
        #expect(try edit("a: x\n", ["a"], .set(.int(3))) == "a: 3\n")
        #expect(try edit("a: x\n", ["a"], .set(.bool(false))) == "a: false\n")
    }

    @Test("set keeps a number a number and a boolean a boolean")
    func setKeepsType() throws {
        #expect(try edit("replicas: 1 # one\n", ["replicas"], .set("2")) == "replicas: 2 # one\n")
        #expect(try edit("privileged: true\n", ["privileged"], .set("false")) == "privileged: false\n")
        let error = try #require(throws: ManifestEditError.self) { try edit("spec:\n  replicas: 1\n", ["spec", "replicas"], .set("two")) }
        #expect(error.kind == .typeMismatch)
        #expect(error.description.hasPrefix("app.yaml:2:13: spec.replicas is an integer, and \"two\" does not read as one"))
    }

    @Test("remove takes the key line and its whole block, comments inside it included")
    func removeBlock() throws {
        let new = try edit(deployment, ["spec", "template", "spec", "containers", "name=app", "resources"], .remove)
        #expect(new == deployment.replacingOccurrences(
            of: "          resources:\n            limits:\n              # the GPU\n              nvidia.com/gpu: 1\n", with: ""))
    }

    @Test("remove keeps the comment above the key")
    func removeKeepsLeadingComment() throws {
        #expect(try edit("# the app\na: 1\n# about b\nb: 2\nc: 3\n", ["b"], .remove) == "# the app\na: 1\n# about b\nc: 3\n")
    }

    @Test("removing the last field leaves {} and the last item leaves [], with the key's comment")
    func removeLast() throws {
        let new = try edit(deployment, ["spec", "template", "spec", "containers", "0", "resources", "limits", "nvidia.com/gpu"], .remove)
        #expect(new == deployment.replacingOccurrences(
            of: "            limits:\n              # the GPU\n              nvidia.com/gpu: 1\n", with: "            limits: {}\n"))
        #expect(try edit("args: # flags\n  - -v\nx: 1\n", ["args", "0"], .remove) == "args: [] # flags\nx: 1\n")
    }

    @Test("remove a list item by name=VALUE, and the first field of an item moves the dash to the next")
    func removeItem() throws {
        let new = try edit(deployment, ["spec", "template", "spec", "containers", "name=sidecar"], .remove)
        #expect(new == deployment.replacingOccurrences(of: "        - name: sidecar\n          image: sidecar:1\n", with: ""))
        let first = try edit(deployment, ["spec", "template", "spec", "containers", "1", "name"], .remove)
        #expect(first == deployment.replacingOccurrences(of: "        - name: sidecar\n          image: sidecar:1\n", with: "        - image: sidecar:1\n"))
    }

    @Test("a list written at its key's indentation is a list")
    func sameIndentList() throws {
        let text = "containers:\n- name: a\n  image: a:1\n- name: b\n  image: b:1\nafter: 1\n"
        #expect(try edit(text, ["containers", "name=b", "image"], .set("b:2")) == text.replacingOccurrences(of: "b:1", with: "b:2"))
        #expect(try edit(text, ["containers", "name=a"], .remove) == "containers:\n- name: b\n  image: b:1\nafter: 1\n")
    }

    @Test("replace changes text inside a plain, a quoted and a literal block scalar")
    func replace() throws {
        #expect(try edit("args: --hw=nvidia --x # c\n", ["args"], .replace(from: "nvidia", to: "vaapi")) == "args: --hw=vaapi --x # c\n")
        #expect(try edit("a: \"x nvidia\"\n", ["a"], .replace(from: "nvidia", to: "true")) == "a: \"x true\"\n")
        let block = "data:\n  config.yml: |\n    a: 1\n\n    # keep\n    hw: nvidia\n    b: nvidia\nnext: 1\n"
        #expect(try edit(block, ["data", "config.yml"], .replace(from: "nvidia", to: "vaapi"))
            == block.replacingOccurrences(of: "nvidia", with: "vaapi"))
        #expect(try edit(block, ["data", "config.yml"], .replace(from: "hw: nvidia\nb", to: "hw: vaapi\nextra: 2\nb"))
            == "data:\n  config.yml: |\n    a: 1\n\n    # keep\n    hw: vaapi\n    extra: 2\n    b: nvidia\nnext: 1\n")
    }

    @Test("a CRLF file stays CRLF, new lines included, and a missing final newline stays missing")
    func lineEndings() throws {
        let text = "spec:\r\n  nodeSelector:\r\n    a: b   # c\r\n  x: 1\r\n"
        #expect(try edit(text, ["spec", "nodeSelector", "a"], .set("d")) == "spec:\r\n  nodeSelector:\r\n    a: d   # c\r\n  x: 1\r\n")
        #expect(try edit(text, ["spec", "nodeSelector", "e"], .set("f"))
            == "spec:\r\n  nodeSelector:\r\n    a: b   # c\r\n    e: f\r\n  x: 1\r\n")
        #expect(try edit(text, ["spec", "x"], .remove) == "spec:\r\n  nodeSelector:\r\n    a: b   # c\r\n")
        #expect(try edit("a: 1\nb: 2", ["b"], .set("3")) == "a: 1\nb: 3")
        #expect(try edit("a: 1\nb: 2", ["c"], .set("x")) == "a: 1\nb: 2\nc: x")
        #expect(try edit("a: 1\nb: 2", ["b"], .remove) == "a: 1")
    }

    let pvcs = """
        # two claims
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: config
        spec:
          resources:
            requests:
              storage: 5Gi
        --- # the recordings
        # are big
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: media
        spec:
          storageClassName: local-path
          resources:
            requests:
              storage: 100Gi

        """

    @Test("a document is chosen by KIND/NAME, or by being the only one with the path; the separator's comments stay")
    func documents() throws {
        let new = try edit(pvcs, ["spec", "resources", "requests", "storage"], .set("200Gi"), document: "persistentvolumeclaim/media")
        #expect(new == pvcs.replacingOccurrences(of: "100Gi", with: "200Gi"))
        let only = try edit(pvcs, ["spec", "storageClassName"], .remove)
        #expect(only == pvcs.replacingOccurrences(of: "  storageClassName: local-path\n", with: ""))
    }

    @Test("a path in several documents needs a document, and the error lists them")
    func ambiguous() throws {
        let error = try #require(throws: ManifestEditError.self) {
            try edit(pvcs, ["spec", "resources", "requests", "storage"], .set("1Gi"))
        }
        #expect(error.kind == .ambiguousDocument)
        #expect(error.description == """
            app.yaml:12:1: spec.resources.requests.storage is in 2 documents of the file: \
            name one with document: KIND/NAME (PersistentVolumeClaim/config, PersistentVolumeClaim/media)
            """)
        let missing = try #require(throws: ManifestEditError.self) {
            try edit(pvcs, ["spec"], .remove, document: "Deployment/media")
        }
        #expect(missing.description == """
            app.yaml:1:1: no document in the file is Deployment/media: \
            the file holds PersistentVolumeClaim/config, PersistentVolumeClaim/media
            """)
    }
}
