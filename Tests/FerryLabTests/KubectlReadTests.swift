import FerryJSON
import Foundation
import Testing

/// Reading the cluster with the real kubectl: discovery must be good enough for
/// `get` in its table, JSON and YAML forms, with label and field selectors.
@Suite("kubectl get, selectors and logs")
struct KubectlReadTests {
    @Test("kubectl get nodes shows the homelab's three nodes as Ready")
    func getNodes() async throws {
        try await LabFixture.with { lab in
            let table = try await lab.kubectl.succeed("get", "nodes")
            let rows = table.split(separator: "\n").dropFirst()
            #expect(table.hasPrefix("NAME"))
            #expect(rows.count == 3)
            for node in [Node.gpu, Node.fawn, Node.pve] {
                #expect(rows.contains { $0.hasPrefix(node) && $0.contains(" Ready ") }, "\(node) in:\n\(table)")
            }
            let names = try await lab.kubectl.succeed("get", "nodes", "-o", "name")
            #expect(names.split(separator: "\n").sorted() == ["node/\(Node.gpu)", "node/\(Node.pve)", "node/\(Node.fawn)"])
        }
    }

    @Test("get -o json returns a List with a resourceVersion, and each object its own")
    func getJSON() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.configMap("frigate-config", data: ["mqtt": "on"]))
            let list = try await lab.kubectl.json("get", "configmaps", "--namespace", "default")
            #expect(list["kind"] == "List" || list["kind"] == "ConfigMapList")
            let config = try #require(list["items"].arrayValue?.first { $0["metadata"]["name"] == "frigate-config" })
            #expect(config["data"]["mqtt"] == "on")
            let version = try #require(config["metadata"]["resourceVersion"].stringValue.flatMap { Int($0) })
            #expect(version > 0)
            let single = try await lab.object("configmap", "frigate-config")
            #expect(single["kind"] == "ConfigMap")
            #expect(single["metadata"]["uid"].stringValue?.isEmpty == false)
            #expect(single["metadata"]["creationTimestamp"].stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test("get -o yaml prints the object as YAML, without deletion fields on a live object")
    func getYAML() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate"))
            try await lab.kubectl.succeed("rollout", "status", "deployment/frigate", "--timeout=20s")
            let yaml = try await lab.kubectl.succeed("get", "deployment", "frigate", "-o", "yaml")
            #expect(yaml.hasPrefix("apiVersion: apps/v1\n"))
            #expect(yaml.contains("\nkind: Deployment\n"))
            #expect(yaml.contains("  name: frigate\n"))
            #expect(yaml.contains("  resourceVersion: \""))
            // A real apiserver never serializes an unset deletionTimestamp as null.
            #expect(!yaml.contains("deletionTimestamp"), "\(yaml)")
            #expect(!yaml.contains("deletionGracePeriodSeconds"), "\(yaml)")
        }
    }

    @Test("-l selects by equality, inequality, set membership and existence")
    func labelSelectors() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("cam-front", labels: ["app": "cam", "tier": "edge"]))
            try await lab.kubectl.apply(Manifest.pod("cam-back", labels: ["app": "cam"]))
            try await lab.kubectl.apply(Manifest.pod("mqtt", labels: ["app": "broker"]))
            func names(_ selector: String) async throws -> [String] {
                let out = try await lab.kubectl.succeed("get", "pods", "-l", selector, "-o", "name")
                return out.split(separator: "\n").map { String($0.dropFirst("pod/".count)) }.sorted()
            }
            #expect(try await names("app=cam") == ["cam-back", "cam-front"])
            #expect(try await names("app!=cam") == ["mqtt"])
            #expect(try await names("app in (cam,broker),tier") == ["cam-front"])
            #expect(try await names("!tier") == ["cam-back", "mqtt"])
            #expect(try await names("app notin (cam)") == ["mqtt"])
            let none = try await lab.kubectl.run("get", "pods", "-l", "app=nothing")
            #expect(none.succeeded)
            #expect(none.stderr.contains("No resources found in default namespace."))
        }
    }

    @Test("--field-selector spec.nodeName= lists the pods on one node, or the unscheduled ones")
    func fieldSelectorNodeName() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("on-pve", nodeSelector: ["kubernetes.io/hostname": Node.pve]))
            try await lab.kubectl.apply(Manifest.pod("on-fawn", nodeSelector: ["kubernetes.io/hostname": Node.fawn]))
            try await lab.kubectl.apply(Manifest.pod("nowhere", nodeSelector: ["kubernetes.io/hostname": "k3s-vm-gone"]))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/on-pve", "pod/on-fawn", "--timeout=20s")
            let onPVE = try await lab.kubectl.succeed("get", "pods", "--field-selector", "spec.nodeName=\(Node.pve)", "-o", "name")
            #expect(onPVE == "pod/on-pve\n")
            let onFawn = try await lab.kubectl.succeed(
                "get", "pods", "--field-selector", "spec.nodeName=\(Node.fawn),status.phase=Running", "-o", "name")
            #expect(onFawn == "pod/on-fawn\n")
            let unscheduled = try await lab.kubectl.succeed("get", "pods", "--field-selector", "spec.nodeName=", "-o", "name")
            #expect(unscheduled == "pod/nowhere\n")
            let bad = try await lab.kubectl.run("get", "pods", "--field-selector", "spec.image=busybox")
            #expect(!bad.succeeded)
            #expect(bad.stderr.contains("field label not supported: spec.image"), "\(bad)")
        }
    }

    @Test("kubectl logs prints what the container wrote, and --tail limits it")
    func logs() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("talker", command: "echo starting; echo listening on 5000; sleep 3600"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/talker", "--timeout=20s")
            #expect(try await lab.kubectl.succeed("logs", "talker") == "starting\nlistening on 5000\n")
            #expect(try await lab.kubectl.succeed("logs", "talker", "--tail=1") == "listening on 5000\n")
            #expect(try await lab.kubectl.succeed("logs", "pod/talker", "-c", "main") == "starting\nlistening on 5000\n")
            let missing = try await lab.kubectl.run("logs", "ghost")
            #expect(!missing.succeeded)
            #expect(missing.stderr.contains(#"pods "ghost" not found"#))
        }
    }
}
