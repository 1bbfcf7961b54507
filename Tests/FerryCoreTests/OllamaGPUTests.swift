import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// The ollama-gpu scenario end to end: `ferry plan` carries the NVIDIA card (the
/// target host has none), `ferry check` says which hosts go down, and the run powers
/// both off and back, with Ollama computing on the card on still-fawn at the end.
@Suite(.serialized) struct OllamaGPUTests {
    @Test("ollama-gpu: the plan carries the card, the hosts go down and come back, and Ollama computes on the card on still-fawn")
    func carryTheCard() async throws {
        try await PreflightLab.with(.ollamaGPU) { lab in
            let discovered = try await PlanDiscovery(connections: lab.connections).discover(PlanRequest(
                namespace: "ollama", name: "ollama", targetNode: "k3s-vm-still-fawn", repo: lab.clone, workingDirectory: lab.directory))
            var plan = try PlanParser.parse(discovered.yaml, file: "migration.yaml")
            #expect(plan.devices == [MigrationPlan.Device(
                name: "gpu", selector: .pci(.init(ids: ["10de:2204"], allFunctions: false, pcie: true)),
                resource: "nvidia.com/gpu", runtimeClass: "nvidia")], "\(discovered.yaml)")
            #expect(plan.drivers.map(\.name) == ["nvidia"])
            // The pin moves; the GPU request and the runtime class stay.
            #expect(plan.manifestChanges.map { $0.path.joined(separator: ".") } == ["spec.template.spec.nodeSelector.kubernetes.io/hostname"])
            #expect(plan.verify.contains { if case .log("library=cuda") = $0.kind { true } else { false } }, "\(plan.verify)")
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }

            let report = try await lab.check(plan)
            #expect(!report.blocks, "\(report.table)")
            #expect(report.results.first { $0.check == "power-off pumped-piglet still-fawn" }?.status == .warn, "\(report.table)")

            let (planFile, steps) = try lab.migration(plan)
            let hands = LabHands(homelab: lab.homelab)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: hands)
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed)

            let pods = try await lab.kube.list(.pods, namespace: "ollama", labelSelector: "app=ollama").items.map(Pod.init(json:))
            let pod = try #require(pods.first { $0.isReady })
            #expect(pod.nodeName == "k3s-vm-still-fawn")
            let log = try await lab.kube.logs(pod: pod.name, namespace: "ollama", container: "ollama")
            #expect(log.contains("library=cuda") && log.contains("NVIDIA GeForce RTX 3090"), "\(log)")
            #expect(await lab.homelab.devicesVisible(inVM: 108).map(\.name).contains("gpu"))
            #expect(await lab.homelab.vm(105)?.config["hostpci0"] == nil)
            let node = Node(json: try await lab.kube.get(.nodes, "k3s-vm-still-fawn"))
            #expect(node.json["status"]["allocatable"]["nvidia.com/gpu"].stringValue == "1")
        }
    }
}
