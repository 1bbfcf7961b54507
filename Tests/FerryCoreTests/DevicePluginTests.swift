import FerryJSON
import FerryKube
import FerryLab
import FerryProxmox
import Foundation
import Testing

@testable import FerryCore

/// The Coral reached through a device plugin's extended resource (`coral.ai/tpu`):
/// the request follows the device, the run waits until the target advertises it,
/// and a GPU's resource the target lacks is still removed.
@Suite(.serialized) struct DevicePluginTests {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"

    @Test("a pod that requests coral.ai/tpu and mounts no device path still moves the Coral, which carries the resource; nvidia.com/gpu does not")
    func resourceFollowsTheDevice() {
        let template = DiscoveryRulesTests.template(limits: ["coral.ai/tpu": "1", "nvidia.com/gpu": "1"])
        let config = VMConfig(values: ["usb0": "host=1a6e:089a", "usb1": "host=18d1:9302"])
        let found = DeviceDiscovery.devices(
            template: template, config: config, vm: DiscoveryRulesTests.source,
            sourceAllocatable: ["coral.ai/tpu": "1", "nvidia.com/gpu": "1", "cpu": "8"])
        #expect(found.devices.map(\.name) == ["coral"])
        #expect(found.devices.first?.resource == "coral.ai/tpu")
        #expect(found.itemNotes.first?.contains { $0.contains("which a device plugin advertises on the source node") } == true)

        let unadvertised = DeviceDiscovery.devices(template: template, config: config, vm: DiscoveryRulesTests.source, sourceAllocatable: [:])
        #expect(unadvertised.devices.isEmpty, "a resource the source does not advertise ties no device to the pod")
    }

    @Test("devices[].resource is written and read back; a name that is no extended resource is refused where it is")
    func planField() throws {
        var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        plan.devices[0].resource = "coral.ai/tpu"
        #expect(plan.yaml.contains("    usb3: false\n    resource: coral.ai/tpu\n") || plan.yaml.contains("    usb3: true\n    resource: coral.ai/tpu\n"))
        #expect(try PlanParser.parse(plan.yaml, file: "plan.yaml").devices == plan.devices)
        let bad = plan.yaml.replacingOccurrences(of: "resource: coral.ai/tpu", with: "resource: cpu")
        #expect {
            try PlanParser.parse(bad, file: "plan.yaml")
        } throws: { error in
            "\(error)".contains("devices[0].resource: \"cpu\" is not an extended resource") || "\(error)".contains("devices.0.resource: \"cpu\" is not an extended resource")
        }
    }

    @Test("with the lab's device plugin: planned with resource coral.ai/tpu, checked, run waits for still-fawn to advertise it, and rollback brings Frigate home")
    func devicePluginShape() async throws {
        try await PreflightLab.with(.frigateCoral, addons: .devicePlugin) { lab in
            #expect(Node(json: try await lab.kube.get(.nodes, Self.source)).allocatable["coral.ai/tpu"] == "1")
            #expect(Node(json: try await lab.kube.get(.nodes, Self.target)).allocatable["coral.ai/tpu"] ?? "0" == "0")

            let discovered = try await PlanDiscovery(connections: lab.connections).discover(
                PlanRequest(namespace: "frigate", name: "frigate", targetNode: Self.target, repo: lab.clone, workingDirectory: lab.directory))
            var plan = discovered.plan
            #expect(plan.devices.map(\.resource) == ["coral.ai/tpu"])
            #expect(!plan.manifestChanges.contains { $0.path.last == "coral.ai/tpu" }, "the request stays: the Coral brings it")
            #expect(plan.manifestChanges.contains { $0.path.last == "nvidia.com/gpu" && $0.edit == .remove })
            #expect(discovered.yaml.contains("    resource: coral.ai/tpu\n"))
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }

            let report = try await lab.check(plan)
            #expect(!report.results.contains { $0.status == .fail }, "\(report.results.filter { $0.status == .fail })")
            #expect(report.result("resources \(Self.target)")?.reason.contains("coral.ai/tpu once the device is there") == true)

            let (planFile, steps) = try lab.migration(plan)
            #expect(steps.first { $0.id == "await-resource-coral" }?.title == "Wait for \(Self.target) to advertise coral.ai/tpu")
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed, "\(journal.entries.map { "\($0.step): \($0.status) \($0.error ?? "")" })")
            #expect(Node(json: try await lab.kube.get(.nodes, Self.target)).allocatable["coral.ai/tpu"] == "1")
            let pods = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(pods.filter(\.isReady).map(\.nodeName) == [Self.target])

            let back = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .rollback(steps, migration: plan.name)
            #expect(back.status == .rolledBack)
            let home = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(home.filter(\.isReady).map(\.nodeName) == [Self.source])
            #expect(Node(json: try await lab.kube.get(.nodes, Self.source)).allocatable["coral.ai/tpu"] == "1")
        }
    }
}
