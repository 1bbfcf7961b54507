import ArgumentParser
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
            Starts the lab in a temporary directory (or --dir), deploys Frigate with a \
            local-path volume on k3s-vm-pumped-piglet-gpu, then moves it the way the \
            blueprint did by hand, by changing its nodeSelector, and shows what Kubernetes \
            answers. Nothing outside the lab's directory is touched.
            """)

    @Option(help: "Keep the lab's state in this directory instead of a temporary one (it is kept afterwards).")
    var dir: String?

    func run() async throws {
        let directory = dir.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("ferry-demo-\(UUID().uuidString.prefix(8))")
        let lab = try await KubeLab.start(LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes))
        defer {
            lab.stop()
            if dir == nil { try? FileManager.default.removeItem(at: directory) }
        }
        print("Lab up: Kubernetes API at \(lab.serverURL) (kubeconfig: \(lab.kubeconfigPath.path))\n")
        for object in DemoWorkload.objects(node: "k3s-vm-pumped-piglet-gpu") { try await lab.create(object) }
        step("Deployed frigate/frigate with PVC frigate-config (local-path) on k3s-vm-pumped-piglet-gpu")
        guard let pod = await lab.waitUntil(ResourceCatalog.pods, namespace: "frigate", timeout: .seconds(30), match: {
            $0.first { $0.condition("Ready")?["status"].stringValue == "True" }
        }) else { throw DemoFailure("frigate did not become Ready on the source node within 30s") }
        step("Pod \(pod.name) is Ready on \(pod["spec"]["nodeName"].stringValue ?? "?")")

        let claim = try await lab.store.get(ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: "frigate", name: "frigate-config"))
        let pv = try await lab.store.get(ObjectKey(ResourceCatalog.persistentVolumes, name: claim["spec"]["volumeName"].stringValue ?? ""))
        let dataPath = pv["spec"]["hostPath"]["path"].stringValue ?? ""
        let data = lab.filesystem.url(node: "k3s-vm-pumped-piglet-gpu", path: dataPath).appendingPathComponent("frigate.db")
        try Data("recordings index\n".utf8).write(to: data)
        step("Its volume \(pv.name) lives on the source node: \(data.path)")

        step("Moving it the blueprint's way: nodeSelector -> k3s-vm-still-fawn")
        let key = ObjectKey(ResourceCatalog.deployments, namespace: "frigate", name: "frigate")
        await lab.store.modify(key) {
            $0[path: ["spec", "template", "spec", "nodeSelector"]] = ["kubernetes.io/hostname": "k3s-vm-still-fawn"]
        }
        guard let pending = await lab.waitUntil(ResourceCatalog.pods, namespace: "frigate", timeout: .seconds(30), match: {
            $0.first { $0.condition("PodScheduled")?["status"].stringValue == "False" }
        }) else { throw DemoFailure("the moved pod was neither scheduled nor reported unschedulable within 30s") }
        step("Pod \(pending.name) is Pending:")
        print("    \(pending.condition("PodScheduled")?["message"].stringValue ?? "")\n")
        print("""
            That is the blueprint's 15-minute lesson: a local-path volume is bound to its node.
            ferry's migration moves such volumes with their data instead of deleting them;
            the run that does so is being built (see README.md, "Status").
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
