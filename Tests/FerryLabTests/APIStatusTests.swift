import FerryJSON
import Foundation
import Testing

/// resourceVersion and optimistic concurrency, and errors as Kubernetes `Status`
/// bodies, over plain HTTPS and through kubectl.
@Suite("resourceVersion, conflicts and Status errors")
struct APIStatusTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    static func configMap(_ name: String, _ data: JSON = ["k": "v"]) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": data]
    }

    @Test("every object and every list carries a resourceVersion, and each write raises it")
    func resourceVersions() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let created = try await https.post(Self.configMaps, Self.configMap("a"))
                #expect(created.status == 201)
                let v1 = try #require(created.body["metadata"]["resourceVersion"].stringValue.flatMap { Int64($0) })
                let list = try await https.get(Self.configMaps)
                let listVersion = try #require(list.body["metadata"]["resourceVersion"].stringValue.flatMap { Int64($0) })
                #expect(listVersion >= v1)
                for kind in ["/api/v1/nodes", "/api/v1/namespaces", "/apis/storage.k8s.io/v1/storageclasses"] {
                    let items = try await https.get(kind).body["items"].arrayValue ?? []
                    #expect(!items.isEmpty)
                    #expect(items.allSatisfy { ($0["metadata"]["resourceVersion"].stringValue ?? "").isEmpty == false }, "\(kind)")
                }
                var changed = created.body
                changed["data"] = ["k": "w"]
                let updated = try await https.put("\(Self.configMaps)/a", changed)
                #expect(updated.status == 200)
                let v2 = try #require(updated.body["metadata"]["resourceVersion"].stringValue.flatMap { Int64($0) })
                #expect(v2 > v1)
                #expect(updated.body["metadata"]["uid"] == created.body["metadata"]["uid"])
            }
        }
    }

    @Test("an update naming a stale resourceVersion is 409 Conflict and changes nothing")
    func staleUpdateConflicts() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let original = try await https.post(Self.configMaps, Self.configMap("frigate", ["mode": "a"])).body
                var first = original
                first["data"] = ["mode": "b"]
                #expect(try await https.put("\(Self.configMaps)/frigate", first).status == 200)
                var stale = original
                stale["data"] = ["mode": "c"]
                let conflict = try await https.put("\(Self.configMaps)/frigate", stale)
                #expect(conflict.status == 409)
                #expect(conflict.body["kind"] == "Status")
                #expect(conflict.body["status"] == "Failure")
                #expect(conflict.body["reason"] == "Conflict")
                #expect(conflict.body["details"]["name"] == "frigate")
                #expect(conflict.body["details"]["kind"] == "configmaps")
                #expect(conflict.body["message"] == #"Operation cannot be fulfilled on configmaps "frigate": the object has been modified; please apply your changes to the latest version and try again"#)
                #expect(try await https.get("\(Self.configMaps)/frigate").body["data"]["mode"] == "b")
            }
        }
    }

    @Test("kubectl replace of a stale copy is refused with Conflict")
    func kubectlReplaceConflict() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.configMap("frigate", data: ["mode": "a"]))
            let stale = try await lab.kubectl.succeed("get", "configmap", "frigate", "-o", "yaml")
            try await lab.kubectl.succeed("label", "configmap", "frigate", "touched=yes")
            let file = lab.kubectl.scratch.appendingPathComponent("stale.yaml")
            try Data(stale.replacingOccurrences(of: "mode: a", with: "mode: z").utf8).write(to: file)
            let result = try await lab.kubectl.run("replace", "-f", file.path)
            #expect(result.status == 1)
            #expect(result.stderr.contains("Error from server (Conflict)"), "\(result)")
            #expect(result.stderr.contains("the object has been modified"), "\(result)")
        }
    }

    @Test("404 NotFound, 409 AlreadyExists and 422 Invalid come as Status bodies with details")
    func statusBodies() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let missing = try await https.get("/api/v1/namespaces/default/pods/ghost")
                #expect(missing.status == 404)
                #expect(missing.body["kind"] == "Status")
                #expect(missing.body["apiVersion"] == "v1")
                #expect(missing.body["reason"] == "NotFound")
                #expect(missing.body["code"] == 404)
                #expect(missing.body["message"] == #"pods "ghost" not found"#)
                #expect(missing.body["details"] == ["name": "ghost", "kind": "pods"])

                let deployment = try await https.get("/apis/apps/v1/namespaces/default/deployments/ghost")
                #expect(deployment.body["message"] == #"deployments.apps "ghost" not found"#)
                #expect(deployment.body["details"]["group"] == "apps")

                #expect(try await https.post(Self.configMaps, Self.configMap("dup")).status == 201)
                let duplicate = try await https.post(Self.configMaps, Self.configMap("dup"))
                #expect(duplicate.status == 409)
                #expect(duplicate.body["reason"] == "AlreadyExists")
                #expect(duplicate.body["message"] == #"configmaps "dup" already exists"#)

                let invalid = try await https.post(Self.configMaps, Self.configMap("Not_Valid"))
                #expect(invalid.status == 422)
                #expect(invalid.body["reason"] == "Invalid")
                #expect(invalid.body["details"]["kind"] == "ConfigMap")
                let cause = invalid.body["details"]["causes"].arrayValue?.first
                #expect(cause?["field"] == "metadata.name")
                #expect(cause?["reason"] == "FieldValueInvalid")
                #expect(invalid.body["message"].stringValue?.hasPrefix(#"ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid""#) == true)

                let negative = try await https.post(
                    "/apis/apps/v1/namespaces/default/deployments",
                    ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "bad"],
                     "spec": ["replicas": -1, "selector": ["matchLabels": ["app": "bad"]],
                              "template": ["metadata": ["labels": ["app": "bad"]], "spec": ["containers": [["name": "c", "image": "x"]]]]]])
                #expect(negative.status == 422)
                #expect(negative.body["details"]["causes"].arrayValue?.first?["field"] == "spec.replicas")
            }
        }
    }

    @Test("kubectl shows the apiserver's error messages: NotFound, AlreadyExists, Invalid")
    func kubectlErrors() async throws {
        try await LabFixture.with { lab in
            let missing = try await lab.kubectl.run("get", "deployment", "ghost")
            #expect(missing.stderr == "Error from server (NotFound): deployments.apps \"ghost\" not found\n")
            let file = lab.kubectl.scratch.appendingPathComponent("dup.yaml")
            try Data(Manifest.configMap("dup").utf8).write(to: file)
            try await lab.kubectl.succeed("create", "-f", file.path)
            let duplicate = try await lab.kubectl.run("create", "-f", file.path)
            #expect(duplicate.stderr == "Error from server (AlreadyExists): error when creating \"\(file.path)\": configmaps \"dup\" already exists\n")
            let invalidFile = lab.kubectl.scratch.appendingPathComponent("invalid.yaml")
            try Data(Manifest.configMap("Bad_Name").utf8).write(to: invalidFile)
            let invalid = try await lab.kubectl.run("create", "-f", invalidFile.path)
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains(#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name""#), "\(invalid)")
        }
    }
}
