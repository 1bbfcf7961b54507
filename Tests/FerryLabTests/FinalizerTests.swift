import FerryJSON
import Foundation
import Testing

/// Deletion as Kubernetes does it: an object with finalizers gets a
/// deletionTimestamp and stays until the last finalizer is removed.
@Suite("Finalizers and deletionTimestamp")
struct FinalizerTests {
    static let manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: held
          finalizers: [ferry.dev/backup]
        data: {mode: keep}
        """

    @Test("deleting an object with a finalizer leaves it Terminating until the finalizer is removed")
    func finalizerHoldsDeletion() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Self.manifest)
            let before = try await lab.object("configmap", "held")
            #expect(before["metadata"]["deletionTimestamp"] == .null)
            let deleted = try await lab.kubectl.run("delete", "configmap", "held", "--wait=false")
            #expect(deleted.succeeded, "\(deleted)")
            let held = try await lab.object("configmap", "held")
            #expect(held["metadata"]["deletionTimestamp"].stringValue?.hasSuffix("Z") == true)
            #expect(held["metadata"]["finalizers"] == ["ferry.dev/backup"])
            #expect(held["metadata"]["uid"] == before["metadata"]["uid"])
            #expect(Int(held["metadata"]["resourceVersion"].stringValue ?? "")! > Int(before["metadata"]["resourceVersion"].stringValue ?? "")!)

            // Deleting again changes nothing; the object is still there.
            try await lab.kubectl.succeed("delete", "configmap", "held", "--wait=false")
            #expect(try await lab.object("configmap", "held")["metadata"]["deletionTimestamp"] == held["metadata"]["deletionTimestamp"])

            try await lab.kubectl.succeed("patch", "configmap", "held", "--type", "merge", "-p", #"{"metadata":{"finalizers":null}}"#)
            try await lab.kubectl.succeed("wait", "--for=delete", "configmap/held", "--timeout=20s")
            #expect(try await lab.kubectl.run("get", "configmap", "held").status == 1)
        }
    }

    @Test("a watch sees the deletionTimestamp as MODIFIED and the removal as DELETED")
    func watchSeesTermination() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let since = try #require(try await https.get("/api/v1/namespaces/default/configmaps").body["metadata"]["resourceVersion"].stringValue)
                try await lab.kubectl.apply(Self.manifest)
                try await lab.kubectl.succeed("delete", "configmap", "held", "--wait=false")
                try await lab.kubectl.succeed(
                    "patch", "configmap", "held", "--type", "json", "-p", #"[{"op":"remove","path":"/metadata/finalizers"}]"#)
                let (_, events) = try await https.watch(
                    "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(since)") { $0.count >= 3 }
                #expect(events.summary == ["ADDED held", "MODIFIED held", "DELETED held"])
                #expect(events[1]["object"]["metadata"]["deletionTimestamp"].stringValue != nil)
            }
        }
    }

    @Test("a Terminating object accepts no new finalizers but keeps its other fields editable")
    func terminatingObjectRules() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Self.manifest)
            try await lab.kubectl.succeed("delete", "configmap", "held", "--wait=false")
            try await lab.kubectl.succeed("label", "configmap", "held", "note=still-here")
            #expect(try await lab.object("configmap", "held")["metadata"]["labels"]["note"] == "still-here")
            let added = try await lab.kubectl.run(
                "patch", "configmap", "held", "--type", "json",
                "-p", #"[{"op":"add","path":"/metadata/finalizers/-","value":"ferry.dev/other"}]"#)
            #expect(!added.succeeded, "real apiservers forbid adding finalizers to an object being deleted: \(added)")
            #expect(added.stderr.contains("Forbidden"), "\(added)")
        }
    }

    @Test("a running pod is deleted gracefully: Terminating first, gone once its kubelet has stopped it")
    func podGracefulDeletion() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("web"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            try await LabHTTPS.using(try lab.https()) { https in
                let reply = try await https.delete("/api/v1/namespaces/default/pods/web")
                #expect(reply.status == 200)
                #expect(reply.body["metadata"]["deletionTimestamp"].stringValue != nil)
                #expect(reply.body["metadata"]["deletionGracePeriodSeconds"] == 30)
            }
            try await lab.kubectl.succeed("wait", "--for=delete", "pod/web", "--timeout=20s")
        }
    }
}
