import ArgumentParser
import FerryJSON
import FerryLab
import Foundation

/// The built-in lab, shown to a newcomer in one command. Today it replays the
/// blueprint's costliest incident on the lab (a node-bound volume pins the pod to
/// its old node); it grows into the whole migration as the run and volume steps land.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a migration scenario against the built-in lab.",
        discussion: """
            Starts the frigate-coral lab in a temporary directory (or --dir): Frigate with a \
            Coral USB TPU on k3s-vm-pumped-piglet-gpu, deployed by Flux from a Git repository, \
            with data in two local-path volumes. Then it moves Frigate the way the blueprint \
            did by hand, by changing the nodeSelector in Git, and shows what Kubernetes answers. \
            Nothing outside the lab's directory is touched.
            """)

    @Option(help: "Keep the lab's state in this directory instead of a temporary one (it is kept afterwards).")
    var dir: String?

    func run() async throws {
        let directory = dir.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("ferry-demo-\(UUID().uuidString.prefix(8))")
        step("Starting the frigate-coral lab in \(directory.path)")
        let lab = try await LabScenario.frigateCoral.start(directory: directory)
        do {
            try await replay(lab, directory: directory)
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
        if dir == nil { try? FileManager.default.removeItem(at: directory) }
    }

    private func replay(_ lab: Lab, directory: URL) async throws {
        let kube = lab.kube
        guard let pod = await kube.waitUntil(ResourceCatalog.pods, namespace: "frigate", timeout: .seconds(30), match: {
            $0.first { $0.condition("Ready")?["status"].stringValue == "True" }
        }) else { throw DemoFailure("Frigate is not Ready on the source node") }
        let log = await kube.logs.lines(namespace: "frigate", pod: pod.name, container: "frigate", previous: false, tail: nil) ?? []
        step("Frigate \(pod.name) is Ready on \(pod["spec"]["nodeName"].stringValue ?? "?"): \(log.last { $0.contains("TPU") } ?? "")")
        step("Its volumes frigate-config and frigate-media hold its database and recordings on that node")

        step("Moving it the blueprint's way: label k3s-vm-still-fawn, point the manifests at it, commit, push, reconcile")
        await kube.store.modify(ObjectKey(ResourceCatalog.nodes, name: "k3s-vm-still-fawn")) { $0.labels["coral.ai/tpu"] = "usb" }
        let repository = GitOpsRepository.existing(in: directory)
        func edit(_ path: String, _ change: (String) -> String) throws {
            let text = try String(contentsOf: repository.workingCopy.appendingPathComponent(path), encoding: .utf8)
            try repository.write([path: change(text)])
        }
        try edit("apps/frigate/deployment.yaml") { text in
            text.replacingOccurrences(of: "kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu", with: "kubernetes.io/hostname: k3s-vm-still-fawn")
                .split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains("runtimeClassName: nvidia") && !$0.contains("nvidia.com/gpu") }
                .joined(separator: "\n")
        }
        try edit("apps/frigate/configmap.yaml") { $0.replacingOccurrences(of: "preset-nvidia-h264", with: "preset-vaapi") }
        _ = try await repository.commitAll("frigate: move to still-fawn (AMD VAAPI, Coral)")
        try await repository.push()
        let now = ISO8601DateFormatter().string(from: Date())
        for kind in [ResourceCatalog.gitRepositories, ResourceCatalog.kustomizations] {
            let name = kind == ResourceCatalog.gitRepositories ? "flux-system" : "frigate"
            await kube.store.modify(ObjectKey(kind, namespace: "flux-system", name: name)) {
                $0.annotations["reconcile.fluxcd.io/requestedAt"] = now
            }
        }
        guard let pending = await kube.waitUntil(ResourceCatalog.pods, namespace: "frigate", timeout: .seconds(30), match: {
            $0.first { $0.condition("PodScheduled")?["status"].stringValue == "False" }
        }) else { throw DemoFailure("the moved pod was neither scheduled nor reported unschedulable within 30s") }
        step("Pod \(pending.name) is Pending:")
        print("    \(pending.condition("PodScheduled")?["message"].stringValue ?? "")\n")
        print("""
            That is the blueprint's 15-minute lesson: a local-path volume is bound to its node.
            ferry's migration moves such volumes with their data and the Coral with its
            passthrough; the run that does so is being built (see README.md, "Status").
            """)
    }

    private func step(_ text: String) {
        print("==> \(text)")
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = "demo failed: \(description)" }
}
