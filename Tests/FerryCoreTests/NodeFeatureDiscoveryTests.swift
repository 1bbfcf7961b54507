import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// The hardware label set by Node Feature Discovery rather than by hand: `ferry plan`
/// says so, the run never writes the label and waits for NFD to put it on the target,
/// and rollback waits for it to come back on the source.
@Suite(.serialized) struct NodeFeatureDiscoveryTests {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"

    @Test("an NFD label is waited for on the target, never written, and follows the Coral back on rollback")
    func labelFromNodeFeatureDiscovery() async throws {
        try await PreflightLab.with(.frigateCoral, addons: .nodeFeatureDiscovery) { lab in
            let before = Node(json: try await lab.kube.get(.nodes, Self.source))
            #expect(before.labels["coral.ai/tpu"] == "usb", "the NodeFeatureRule labels the Coral's node")
            #expect(before.annotations["nfd.node.kubernetes.io/feature-labels"]?.split(separator: ",").contains("coral.ai/tpu") == true)
            #expect(before.labels.keys.contains { $0.hasPrefix("feature.node.kubernetes.io/usb-ff_") }, "\(before.labels)")

            let discovered = try await PlanDiscovery(connections: lab.connections).discover(
                PlanRequest(namespace: "frigate", name: "frigate", targetNode: Self.target, repo: lab.clone, workingDirectory: lab.directory))
            var plan = discovered.plan
            #expect(plan.nodeLabel == MigrationPlan.NodeLabel(key: "coral.ai/tpu", value: "usb", setBy: .nodeFeatureDiscovery))
            #expect(discovered.yaml.contains("  setBy: node-feature-discovery\n"))
            #expect(discovered.yaml.contains("Node Feature Discovery sets it"))
            #expect(try PlanParser.parse(discovered.yaml, file: "plan.yaml").nodeLabel == plan.nodeLabel)
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            let (planFile, steps) = try lab.migration(plan)
            #expect(!steps.contains { $0.id == "unlabel-source" })
            #expect(steps.first { $0.id == "label-target" }?.title == "Wait for Node Feature Discovery to label \(Self.target) coral.ai/tpu=usb")
            let hands = LabHands(homelab: lab.homelab)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: hands)
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed)
            #expect(Node(json: try await lab.kube.get(.nodes, Self.target)).labels["coral.ai/tpu"] == "usb")
            #expect(Node(json: try await lab.kube.get(.nodes, Self.source)).labels["coral.ai/tpu"] == nil, "NFD took it off with the Coral")
            let pods = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(pods.filter(\.isReady).map(\.nodeName) == [Self.target])

            let back = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .rollback(steps, migration: plan.name)
            #expect(back.status == .rolledBack)
            #expect(Node(json: try await lab.kube.get(.nodes, Self.source)).labels["coral.ai/tpu"] == "usb")
            #expect(Node(json: try await lab.kube.get(.nodes, Self.target)).labels["coral.ai/tpu"] == nil)
        }
    }
}
