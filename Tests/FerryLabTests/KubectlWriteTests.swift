import FerryJSON
import Foundation
import Testing

/// Changing objects with the real kubectl: label, annotate, scale, the three patch
/// types, and delete.
@Suite("kubectl label, annotate, scale, patch and delete")
struct KubectlWriteTests {
    @Test("label adds, refuses to overwrite without --overwrite, and removes with KEY-")
    func label() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("cam", labels: ["app": "cam"]))
            #expect(try await lab.kubectl.succeed("label", "pod", "cam", "tier=edge") == "pod/cam labeled\n")
            #expect(try await lab.object("pod", "cam")["metadata"]["labels"]["tier"] == "edge")
            let clash = try await lab.kubectl.run("label", "pod", "cam", "tier=core")
            #expect(!clash.succeeded)
            #expect(clash.stderr.contains("'tier' already has a value (edge), and --overwrite is false"), "\(clash)")
            try await lab.kubectl.succeed("label", "pod", "cam", "tier=core", "--overwrite")
            #expect(try await lab.object("pod", "cam")["metadata"]["labels"]["tier"] == "core")
            try await lab.kubectl.succeed("label", "pod", "cam", "tier-")
            let labels = try await lab.object("pod", "cam")["metadata"]["labels"]
            #expect(labels["tier"] == .null)
            #expect(labels["app"] == "cam")
        }
    }

    @Test("annotate sets and removes annotations on a node")
    func annotate() async throws {
        try await LabFixture.with { lab in
            #expect(try await lab.kubectl.succeed("annotate", "node", Node.fawn, "ferry.dev/role=target") == "node/\(Node.fawn) annotated\n")
            let node = try await lab.object("node", Node.fawn)
            #expect(node["metadata"]["annotations"]["ferry.dev/role"] == "target")
            #expect(node["metadata"]["annotations"]["k3s.io/hostname"] == .string(Node.fawn))
            try await lab.kubectl.succeed("annotate", "node", Node.fawn, "ferry.dev/role-")
            #expect(try await lab.object("node", Node.fawn)["metadata"]["annotations"]["ferry.dev/role"] == .null)
        }
    }

    @Test("scale changes a Deployment's replicas and its pods follow, down to zero")
    func scale() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate"))
            #expect(try await lab.kubectl.succeed("scale", "deployment", "frigate", "--replicas=3") == "deployment.apps/frigate scaled\n")
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.readyReplicas}=3", "deployment/frigate", "--timeout=20s")
            try await lab.waitForPods("app=frigate", "3 running pods") { pods in
                pods.count == 3 && pods.allSatisfy { $0["status"]["phase"] == "Running" && !$0.isTerminating }
            }
            let viaScale = try await lab.kubectl.json("get", "deployment", "frigate", "--subresource=scale")
            #expect(viaScale["kind"] == "Scale")
            #expect(viaScale["spec"]["replicas"] == 3)
            try await lab.kubectl.succeed("scale", "deployment/frigate", "--replicas=0")
            try await lab.waitForPods("app=frigate", "no pods left") { $0.isEmpty }
        }
    }

    @Test("patch --type merge, json and strategic each change the Deployment as their rules say")
    func patch() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate", image: "frigate:0.13"))
            try await lab.kubectl.succeed(
                "patch", "deployment", "frigate", "--type", "merge", "-p", #"{"metadata":{"labels":{"team":"nvr"}},"spec":{"replicas":2}}"#)
            var deployment = try await lab.object("deployment", "frigate")
            #expect(deployment["metadata"]["labels"] == ["app": "frigate", "team": "nvr"])
            #expect(deployment["spec"]["replicas"] == 2)

            try await lab.kubectl.succeed(
                "patch", "deployment", "frigate", "--type", "json",
                "-p", #"[{"op":"replace","path":"/spec/replicas","value":1},{"op":"remove","path":"/metadata/labels/team"}]"#)
            deployment = try await lab.object("deployment", "frigate")
            #expect(deployment["spec"]["replicas"] == 1)
            #expect(deployment["metadata"]["labels"]["team"] == .null)

            // Strategic merge matches containers by name: the image changes, the command stays.
            try await lab.kubectl.succeed(
                "patch", "deployment", "frigate", "--type", "strategic",
                "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"frigate:0.14"}]}}}}"#)
            deployment = try await lab.object("deployment", "frigate")
            let containers = try #require(deployment["spec"]["template"]["spec"]["containers"].arrayValue)
            #expect(containers.count == 1)
            #expect(containers.first?["image"] == "frigate:0.14")
            #expect(containers.first?["command"] == ["sh", "-c", "sleep 3600"])

            let failedTest = try await lab.kubectl.run(
                "patch", "deployment", "frigate", "--type", "json", "-p", #"[{"op":"test","path":"/spec/replicas","value":9}]"#)
            #expect(!failedTest.succeeded)
            #expect(try await lab.object("deployment", "frigate")["spec"]["replicas"] == 1)
        }
    }

    @Test("kubectl's create generators, which send protobuf, get a clear 415; their JSON form works")
    func createGenerators() async throws {
        try await LabFixture.with { lab in
            // The lab decodes JSON only (docs/LAB.md): kubectl v1.32 sends built-in kinds
            // from `kubectl create configmap|namespace|deployment NAME` as protobuf.
            let refused = try await lab.kubectl.run("create", "configmap", "frigate-config", "--from-literal=mqtt=on")
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("accepted media types include: application/json"), "\(refused)")
            for generator in [
                ["create", "configmap", "frigate-config", "--from-literal=mqtt=on"], ["create", "namespace", "nvr"],
                ["create", "deployment", "web", "--image=nginx", "--replicas=2"],
            ] {
                let manifest = try await lab.kubectl.succeed(generator + ["--dry-run=client", "-o", "yaml"])
                _ = try await lab.kubectl.apply(manifest)
            }
            let names = try await lab.kubectl.succeed("get", "configmap/frigate-config", "namespace/nvr", "deployment/web", "-o", "name")
            #expect(names == "configmap/frigate-config\nnamespace/nvr\ndeployment.apps/web\n")
        }
    }

    @Test("delete removes an object; a missing one is NotFound unless --ignore-not-found")
    func delete() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.configMap("old-config"))
            #expect(try await lab.kubectl.succeed("delete", "configmap", "old-config") == "configmap \"old-config\" deleted\n")
            let gone = try await lab.kubectl.run("get", "configmap", "old-config")
            #expect(gone.status == 1)
            #expect(gone.stderr.contains(#"Error from server (NotFound): configmaps "old-config" not found"#), "\(gone)")
            let again = try await lab.kubectl.run("delete", "configmap", "old-config")
            #expect(again.status == 1)
            #expect(again.stderr.contains(#"Error from server (NotFound): configmaps "old-config" not found"#), "\(again)")
            let ignored = try await lab.kubectl.run("delete", "configmap", "old-config", "--ignore-not-found")
            #expect(ignored.succeeded, "\(ignored)")
            #expect(ignored.stdout.isEmpty)
            #expect(ignored.stderr.isEmpty)
        }
    }

    @Test("delete of a running pod waits for its kubelet to finish the termination")
    func deleteRunningPod() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("web"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            #expect(try await lab.kubectl.succeed("delete", "pod", "web", "--timeout=20s") == "pod \"web\" deleted\n")
            let after = try await lab.kubectl.run("get", "pod", "web")
            #expect(after.stderr.contains(#"pods "web" not found"#), "\(after)")
        }
    }
}
