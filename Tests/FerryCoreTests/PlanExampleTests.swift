import Foundation
import Testing

@testable import FerryCore

@Suite("The example plan")
struct PlanExampleTests {
    @Test("the Frigate example parses to the reference scenario")
    func frigate() throws {
        let plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        #expect(plan.name == "frigate-piglet-to-fawn")
        #expect(plan.workload == .init(namespace: "frigate", kind: .deployment, name: "frigate"))
        #expect(plan.source == .init(node: "k3s-vm-pumped-piglet-gpu", vm: "k3s-vm-pumped-piglet-gpu", vmid: 105, host: "pumped-piglet"))
        #expect(plan.target == .init(node: "k3s-vm-still-fawn", vm: "k3s-vm-still-fawn", vmid: 108, host: "still-fawn"))
        #expect(plan.devices == [.init(name: "coral", selector: .usb(.init(ids: ["1a6e:089a", "18d1:9302"], usb3: true)))])
        if case .usb(let usb) = plan.devices.first?.selector {
            #expect(usb.configValues == ["host=1a6e:089a,usb3=1", "host=18d1:9302,usb3=1"])
        }
        #expect(plan.nodeLabel == .init(key: "coral.ai/tpu", value: "usb"))
        #expect(plan.volumes == [.init(claim: "frigate-config", action: .move), .init(claim: "frigate-media", action: .move)])
        #expect(plan.gitops == .init(
            repo: "~/homelab-gitops", branch: "main", kustomization: .init(namespace: "flux-system", name: "frigate"),
            gitRepository: .init(namespace: "flux-system", name: "flux-system"),
            files: ["apps/frigate/deployment.yaml", "apps/frigate/configmap.yaml"]))
        #expect(plan.manifestChanges == [
            .init(file: "apps/frigate/deployment.yaml", path: ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"],
                  edit: .set("k3s-vm-still-fawn")),
            .init(file: "apps/frigate/deployment.yaml", path: ["spec", "template", "spec", "runtimeClassName"], edit: .remove),
            .init(file: "apps/frigate/deployment.yaml",
                  path: ["spec", "template", "spec", "containers", "name=frigate", "resources", "limits", "nvidia.com/gpu"],
                  edit: .remove),
            .init(file: "apps/frigate/configmap.yaml", path: ["data", "config.yml"],
                  edit: .replace(from: "preset-nvidia-h264", to: "preset-vaapi")),
        ])
        #expect(plan.drivers == [
            .init(name: "libedgetpu", check: "dpkg -s libedgetpu1-std", install: "apt-get update && apt-get install -y libedgetpu1-std"),
        ])
        #expect(plan.verify == [
            .init(.log("TPU found"), container: "frigate", timeout: .minutes(3)),
            .init(.http(url: "http://frigate.frigate.svc:5000/api/version", from: .cluster, status: 200)),
        ])
        #expect(plan.timeouts.vmBoot == .minutes(5))
        #expect(plan.timeouts.deviceMove == .minutes(30))
        #expect(plan.timeouts.ssh == .seconds(5))  // the default
    }

    @Test("docs/PLAN.md shows the same example")
    func documented() throws {
        let docs = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../docs/PLAN.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(text.contains("```yaml\n" + PlanFixtures.frigate + "```"))
    }

    @Test("the errors docs/PLAN.md shows are what three typos in the example give")
    func documentedErrors() throws {
        let text = PlanFixtures.frigate.replacingOccurrences(of: "18d1:9302]", with: "18d1:930]")
            .replacingOccurrences(of: "usb3: true", with: "usb4: true")
            .replacingOccurrences(of: "# recordings\n    action: move", with: "# recordings\n    action: dicsard")
        let error = try #require(throws: PlanError.self) { try PlanParser.parse(text, file: "migration.yaml") }
        let docs = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../docs/PLAN.md")
        #expect(try String(contentsOf: docs, encoding: .utf8).contains("```\n" + error.description + "\n```"))
        #expect(error.problems.count == 3)
    }

    @Test("a minimal plan takes the defaults")
    func minimal() throws {
        let plan = try PlanParser.parse(
            """
            apiVersion: ferry.dev/v1alpha1
            kind: MigrationPlan
            metadata: {name: minimal}
            workload: {namespace: default, name: web}
            source: {node: a, vm: a, vmid: 100, host: pve1}
            target: {node: b, vm: b, vmid: 101, host: pve2}
            volumes:
              - claim: data
            """, file: "minimal.yaml")
        #expect(plan.workload.kind == .deployment)
        #expect(plan.volumes == [.init(claim: "data", action: .move)])
        #expect(plan.devices.isEmpty && plan.gitops == nil && plan.nodeLabel == nil && plan.verify.isEmpty)
        #expect(plan.timeouts == MigrationPlan.Timeouts())
    }
}
