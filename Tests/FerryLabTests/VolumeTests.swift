import FerryJSON
import Foundation
import Testing

/// local-path volumes as K3s provisions them, and the blueprint's lessons about
/// them: a volume pins its pod to a node, and a claim in use is protected.
@Suite("local-path volumes")
struct VolumeTests {
    /// A claim and a pod using it on `node`, with the claim bound and the pod Ready.
    static func claimInUse(_ lab: LabFixture, claim: String, storageClass: String? = nil, on node: String) async throws -> (pv: JSON, directory: URL) {
        try await lab.kubectl.apply(Manifest.claim(claim, storageClass: storageClass))
        try await lab.kubectl.apply(Manifest.pod("user", nodeSelector: ["kubernetes.io/hostname": node], claim: claim))
        try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/user", "--timeout=20s")
        let bound = try await lab.waitFor("pvc", claim, "Bound") { $0["status"]["phase"] == "Bound" }
        let pv = try await lab.object("pv", try #require(bound["spec"]["volumeName"].stringValue))
        let path = try #require(pv["spec"]["hostPath"]["path"].stringValue)
        return (pv, lab.directory.appendingPathComponent("nodes/\(node)").appendingPathComponent(String(path.dropFirst())))
    }

    @Test("WaitForFirstConsumer: the claim waits for a pod, then gets a hostPath PV pinned to the pod's node")
    func waitForFirstConsumer() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.claim("media"))
            try await lab.settle()
            let waiting = try await lab.object("pvc", "media")
            #expect(waiting["status"]["phase"] == "Pending")
            #expect(waiting["spec"]["storageClassName"] == "local-path")
            #expect(waiting["spec"]["volumeName"] == .null)
            #expect(try await lab.kubectl.succeed("get", "pv", "-o", "name").isEmpty)

            let (pv, directory) = try await Self.claimInUse(lab, claim: "media", on: Node.fawn)
            let claim = try await lab.object("pvc", "media")
            #expect(claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == .string(Node.fawn))
            #expect(pv["metadata"]["name"] == .string("pvc-\(claim["metadata"]["uid"].stringValue ?? "")"))
            #expect(pv["spec"]["claimRef"]["name"] == "media")
            #expect(pv["spec"]["storageClassName"] == "local-path")
            #expect(pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete")
            #expect(pv["status"]["phase"] == "Bound")
            let path = try #require(pv["spec"]["hostPath"]["path"].stringValue)
            #expect(path == "/var/lib/rancher/k3s/storage/\(pv["metadata"]["name"].stringValue ?? "")_default_media")
            let term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue?.first?["matchExpressions"].arrayValue?.first
            #expect(term == ["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(Node.fawn)]])

            // The data directory is real, on that node only.
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue)
            #expect(lab.volumeDirectories(on: Node.fawn) == [directory.lastPathComponent])
            #expect(lab.volumeDirectories(on: Node.pve).isEmpty)
            #expect(lab.volumeDirectories(on: Node.gpu).isEmpty)
        }
    }

    @Test("a pod bound to a local-path PV on one node, moved by nodeSelector to another, stays Pending with volume node affinity conflict")
    func volumeAffinityConflict() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.claim("frigate-media"))
            try await lab.kubectl.apply(
                Manifest.deployment("frigate", strategy: "Recreate", nodeSelector: ["kubernetes.io/hostname": Node.fawn], claim: "frigate-media"))
            try await lab.kubectl.succeed("rollout", "status", "deployment/frigate", "--timeout=20s")
            let volume = try #require(lab.volumeDirectories(on: Node.fawn).first)
            try Data("clip-0001".utf8).write(to: lab.storageDirectory(on: Node.fawn).appendingPathComponent("\(volume)/clip.mp4"))

            try await lab.kubectl.succeed(
                "patch", "deployment", "frigate", "-p", #"{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":"\#(Node.pve)"}}}}}"#)
            let pods = try await lab.waitForPods("app=frigate", "the moved pod is Unschedulable") { pods in
                pods.count == 1 && pods[0].condition(type: "PodScheduled")?["reason"] == "Unschedulable"
            }
            let pod = pods[0]
            #expect(pod["status"]["phase"] == "Pending")
            #expect(pod["spec"]["nodeSelector"]["kubernetes.io/hostname"] == .string(Node.pve))
            let message = pod.condition(type: "PodScheduled")?["message"].stringValue ?? ""
            #expect(message.contains("node(s) had volume node affinity conflict"), "\(message)")
            #expect(
                message == "0/3 nodes are available: 1 node(s) had volume node affinity conflict, "
                    + "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
                    + "3 Preemption is not helpful for scheduling.")
            let name = pod["metadata"]["name"].stringValue ?? ""
            let events = try await lab.kubectl.succeed("get", "events", "--field-selector", "involvedObject.name=\(name),reason=FailedScheduling")
            #expect(events.contains("had volume node affinity conflict"), "\(events)")
            let table = try await lab.kubectl.succeed("get", "pods", "-l", "app=frigate")
            #expect(table.contains("Pending"))

            // The data never moved; pointing the pod back at its node runs it again.
            #expect(lab.volumeDirectories(on: Node.pve).isEmpty)
            try await lab.kubectl.succeed(
                "patch", "deployment", "frigate", "-p", #"{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":"\#(Node.fawn)"}}}}}"#)
            try await lab.kubectl.succeed("rollout", "status", "deployment/frigate", "--timeout=20s")
            let clip = try String(contentsOf: lab.storageDirectory(on: Node.fawn).appendingPathComponent("\(volume)/clip.mp4"), encoding: .utf8)
            #expect(clip == "clip-0001")
        }
    }

    @Test("deleting a claim in use leaves it Terminating until its pod is gone; then reclaimPolicy Delete removes PV and data")
    func protectionThenDelete() async throws {
        try await LabFixture.with { lab in
            let (pv, directory) = try await Self.claimInUse(lab, claim: "media", on: Node.pve)
            try Data("keep me?".utf8).write(to: directory.appendingPathComponent("note.txt"))
            let deleted = try await lab.kubectl.run("delete", "pvc", "media", "--wait=false")
            #expect(deleted.succeeded, "\(deleted)")
            try await lab.settle()
            let claim = try await lab.object("pvc", "media")
            #expect(claim["metadata"]["deletionTimestamp"].stringValue != nil)
            #expect(claim["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"])
            #expect(try await lab.kubectl.succeed("get", "pvc", "media").contains("Terminating"))
            #expect(try await lab.object("pv", pv["metadata"]["name"].stringValue!)["status"]["phase"] == "Bound")
            #expect(FileManager.default.fileExists(atPath: directory.path))

            try await lab.kubectl.succeed("delete", "pod", "user", "--timeout=20s")
            try await lab.kubectl.succeed("wait", "--for=delete", "pvc/media", "--timeout=20s")
            try await lab.kubectl.succeed("wait", "--for=delete", "pv/\(pv["metadata"]["name"].stringValue!)", "--timeout=20s")
            try await eventually("the data directory is removed") {
                FileManager.default.fileExists(atPath: directory.path) ? nil : true
            }
            #expect(lab.volumeDirectories(on: Node.pve).isEmpty)
        }
    }

    @Test("with reclaimPolicy Retain the PV stays Released and the data directory is kept")
    func retain() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.retainClass)
            let (pv, directory) = try await Self.claimInUse(lab, claim: "recordings", storageClass: "local-path-retain", on: Node.gpu)
            let pvName = try #require(pv["metadata"]["name"].stringValue)
            #expect(pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain")
            try Data("clip".utf8).write(to: directory.appendingPathComponent("clip.mp4"))

            try await lab.kubectl.succeed("delete", "pvc", "recordings", "--wait=false")
            try await lab.settle()
            #expect(try await lab.object("pvc", "recordings")["metadata"]["deletionTimestamp"].stringValue != nil)
            try await lab.kubectl.succeed("delete", "pod", "user", "--timeout=20s")
            try await lab.kubectl.succeed("wait", "--for=delete", "pvc/recordings", "--timeout=20s")
            let released = try await lab.waitFor("pv", pvName, "Released") { $0["status"]["phase"] == "Released" }
            #expect(released["spec"]["claimRef"]["name"] == "recordings")
            try await lab.settle()
            #expect(try await lab.object("pv", pvName)["status"]["phase"] == "Released")
            #expect(try String(contentsOf: directory.appendingPathComponent("clip.mp4"), encoding: .utf8) == "clip")
            let table = try await lab.kubectl.succeed("get", "pv", pvName)
            #expect(table.contains("Retain") && table.contains("Released"), "\(table)")
        }
    }

    @Test("a pod whose claim does not exist stays Pending and says so")
    func missingClaim() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("orphan", claim: "nope"))
            let pod = try await lab.waitFor("pod", "orphan", "Unschedulable") {
                $0.condition(type: "PodScheduled")?["reason"] == "Unschedulable"
            }
            #expect(pod.condition(type: "PodScheduled")?["message"].stringValue?.contains(#"persistentvolumeclaim "nope" not found"#) == true)
        }
    }
}
