import FerryJSON
import Foundation
import Testing

/// The scheduler's filters, and the kubelet's sandbox check for RuntimeClasses,
/// with the messages Kubernetes prints for them.
@Suite("Scheduler")
struct SchedulerTests {
    /// The PodScheduled=False message of a pod, once the scheduler has given up on it.
    static func unschedulableMessage(_ lab: LabFixture, _ pod: String) async throws -> String {
        let object = try await lab.waitFor("pod", pod, "PodScheduled=False") {
            $0.condition(type: "PodScheduled")?["reason"] == "Unschedulable"
        }
        #expect(object["status"]["phase"] == "Pending")
        #expect((object["spec"]["nodeName"].stringValue ?? "").isEmpty)
        return object.condition(type: "PodScheduled")?["message"].stringValue ?? ""
    }

    @Test("nodeSelector puts a pod on the node it names")
    func nodeSelector() async throws {
        try await LabFixture.with { lab in
            for node in [Node.gpu, Node.fawn, Node.pve] {
                try await lab.kubectl.apply(Manifest.pod("on-\(node)", nodeSelector: ["kubernetes.io/hostname": node]))
            }
            for node in [Node.gpu, Node.fawn, Node.pve] {
                let pod = try await lab.waitFor("pod", "on-\(node)", "scheduled") { $0["spec"]["nodeName"].stringValue != nil }
                #expect(pod["spec"]["nodeName"] == .string(node))
            }
            let events = try await lab.kubectl.succeed("get", "events", "--field-selector", "reason=Scheduled")
            #expect(events.contains("Successfully assigned default/on-\(Node.pve) to \(Node.pve)"), "\(events)")
        }
    }

    @Test("a nodeSelector no node matches leaves the pod Pending with FailedScheduling")
    func noMatchingNode() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("coral", nodeSelector: ["ferry.dev/usb": "coral"]))
            let message = try await Self.unschedulableMessage(lab, "coral")
            #expect(message.hasPrefix("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."), "\(message)")
            let events = try await lab.kubectl.succeed("get", "events", "--field-selector", "involvedObject.name=coral")
            #expect(events.contains("FailedScheduling"))
            // Labelling a node makes it fit.
            try await lab.kubectl.succeed("label", "node", Node.fawn, "ferry.dev/usb=coral")
            let pod = try await lab.waitFor("pod", "coral", "scheduled") { $0["spec"]["nodeName"].stringValue != nil }
            #expect(pod["spec"]["nodeName"] == .string(Node.fawn))
        }
    }

    @Test("a cordoned node takes no new pods until it is uncordoned")
    func cordon() async throws {
        try await LabFixture.with { lab in
            #expect(try await lab.kubectl.succeed("cordon", Node.pve) == "node/\(Node.pve) cordoned\n")
            #expect(try await lab.kubectl.succeed("get", "node", Node.pve).contains("Ready,SchedulingDisabled"))
            try await lab.kubectl.apply(Manifest.pod("web", nodeSelector: ["kubernetes.io/hostname": Node.pve]))
            let message = try await Self.unschedulableMessage(lab, "web")
            #expect(
                message.hasPrefix("0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector."),
                "\(message)")
            try await lab.kubectl.succeed("uncordon", Node.pve)
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            #expect(try await lab.object("pod", "web")["spec"]["nodeName"] == .string(Node.pve))
        }
    }

    @Test("nvidia.com/gpu must fit allocatable: one GPU pod runs on the GPU node, the next is Insufficient")
    func gpuRequests() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("frigate", gpus: 1))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/frigate", "--timeout=20s")
            #expect(try await lab.object("pod", "frigate")["spec"]["nodeName"] == .string(Node.gpu))
            try await lab.kubectl.apply(Manifest.pod("second", gpus: 1))
            let message = try await Self.unschedulableMessage(lab, "second")
            #expect(message.hasPrefix("0/3 nodes are available: 3 Insufficient nvidia.com/gpu."), "\(message)")
            try await lab.kubectl.apply(Manifest.pod("greedy", gpus: 2))
            #expect(try await Self.unschedulableMessage(lab, "greedy").contains("Insufficient nvidia.com/gpu"))
            // Freeing the GPU lets the waiting pod in.
            try await lab.kubectl.succeed("delete", "pod", "frigate", "--timeout=20s")
            let second = try await lab.waitFor("pod", "second", "scheduled") { $0["spec"]["nodeName"].stringValue != nil }
            #expect(second["spec"]["nodeName"] == .string(Node.gpu))
        }
    }

    @Test("runtimeClassName nvidia on a node without the handler: stuck ContainerCreating with FailedCreatePodSandBox")
    func missingRuntimeHandler() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                Manifest.pod("frigate", nodeSelector: ["kubernetes.io/hostname": Node.fawn], runtimeClass: "nvidia"))
            let message = try await lab.waitForEvent(about: "frigate", reason: "FailedCreatePodSandBox")
            #expect(message.contains(#"failed to get sandbox runtime: no runtime for "nvidia" is configured"#), "\(message)")
            let events = try await lab.kubectl.succeed("get", "events", "--field-selector", "involvedObject.name=frigate,reason=FailedCreatePodSandBox")
            #expect(events.contains("Warning   FailedCreatePodSandBox   pod/frigate"), "\(events)")
            let pod = try await lab.object("pod", "frigate")
            #expect(pod["spec"]["nodeName"] == .string(Node.fawn))
            #expect(pod["status"]["phase"] == "Pending")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "ContainerCreating")
            #expect(try await lab.kubectl.succeed("get", "pod", "frigate").contains("ContainerCreating"))

            // The same pod on the GPU node, which has the handler, runs.
            try await lab.kubectl.apply(
                Manifest.pod("frigate-gpu", nodeSelector: ["kubernetes.io/hostname": Node.gpu], runtimeClass: "nvidia"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/frigate-gpu", "--timeout=20s")
        }
    }

    @Test("an image whose registry does not resolve: ErrImagePull with containerd's message, then ImagePullBackOff")
    func unpullableImage() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("app", image: "registry.home.invalid:5000/tools/rsync:3"))
            let message = try await lab.waitForEvent(about: "app", reason: "Failed")
            #expect(message == #"Failed to pull image "registry.home.invalid:5000/tools/rsync:3": failed to pull and unpack image "registry.home.invalid:5000/tools/rsync:3": failed to resolve reference "registry.home.invalid:5000/tools/rsync:3": failed to do request: Head "https://registry.home.invalid:5000/v2/tools/rsync/manifests/3": dial tcp: lookup registry.home.invalid: no such host"#)
            #expect(try await lab.kubectl.succeed("get", "pod", "app").contains("ErrImagePull"))
            _ = try await lab.waitForEvent(about: "app", reason: "BackOff")
            let pod = try await lab.object("pod", "app")
            #expect(pod["status"]["phase"] == "Pending")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "ImagePullBackOff")
            #expect(try await lab.kubectl.succeed("get", "pod", "app").contains("ImagePullBackOff"))
        }
    }

    @Test("a RuntimeClass that does not exist is rejected at admission")
    func unknownRuntimeClass() async throws {
        try await LabFixture.with { lab in
            let file = lab.kubectl.scratch.appendingPathComponent("kata.yaml")
            try Data(Manifest.pod("kata", runtimeClass: "kata").utf8).write(to: file)
            let result = try await lab.kubectl.run("apply", "-f", file.path)
            #expect(result.status == 1)
            #expect(result.stderr.contains(#"pod rejected: RuntimeClass "kata" not found"#), "\(result)")
        }
    }
}
