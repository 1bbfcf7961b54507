import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// A target VM that hot-plugs USB (Proxmox's defaults) takes the Coral without a
/// reboot: its node stays Ready and its other pods keep running. One that cannot
/// (the reference scenario's VM 108, `hotplug: network,disk`) reboots, and check
/// and the run say why and what would avoid it.
@Suite(.serialized) struct HotplugMigrationTests {
    @Test("a target VM that hot-plugs USB gets the Coral without a reboot, and Frigate moves")
    func hotplugMigration() async throws {
        try await PreflightLab.with { lab in
            try await lab.homelab.updateConfig(108, set: [:], delete: ["hotplug"])
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            let report = try await lab.check(plan)
            let hotplug = try #require(report.results.first { $0.check == "hotplug VM 108" })
            #expect(hotplug.status == .pass)
            #expect(hotplug.reason.contains("coral is passed without a reboot"), "\(hotplug.reason)")

            let booted = try #require(await lab.homelab.vm(108)?.startedAt)
            let (planFile, steps) = try lab.migration(plan)
            let hands = LabHands(homelab: lab.homelab)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: hands)
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed)
            #expect(await lab.homelab.vm(108)?.startedAt == booted, "VM 108 was not rebooted")
            let notices = hands.events.compactMap { if case .notice("add-passthrough-coral", let message) = $0 { message } else { nil } }
            #expect(notices == ["Proxmox hot-plugged coral (1a6e:089a / 18d1:9302) into VM 108: it does not reboot"], "\(notices)")
            #expect(hands.finished.contains { $0 == ("reboot-target", .alreadyDone) }, "\(hands.finished)")
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == "k3s-vm-still-fawn")
            #expect(after.tpuFound)
        }
    }

    /// (The reference run, in MigrationRunTests, says why it reboots.)
    @Test("a target VM that cannot hot-plug reboots; check says why, what that interrupts and how to avoid it")
    func rebootSaysWhy() async throws {
        try await PreflightLab.with { lab in
            // A pod of another app on the target node, which the reboot restarts.
            let pod: JSON = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "zigbee2mqtt", "namespace": "default"],
                "spec": ["nodeName": "k3s-vm-still-fawn", "containers": [["name": "z", "image": "busybox:1.36", "command": ["sleep", "3600"]]]],
            ]
            _ = try await lab.kube.create(.pods, pod, namespace: "default")
            _ = try await lab.kube.waitFor(.pods, "zigbee2mqtt", namespace: "default", timeout: .seconds(30), waitingFor: "the pod to run") {
                $0?["status"]["phase"].stringValue == "Running"
            }
            let report = try await lab.check()
            let hotplug = try #require(report.results.first { $0.check == "hotplug VM 108" })
            #expect(hotplug.status == .warn)
            #expect(hotplug.reason.hasPrefix("VM 108 reboots to get coral: its hotplug option (network,disk) lacks usb; that restarts the "),
                    "\(hotplug.reason)")
            #expect(hotplug.reason.contains("pod(s) on k3s-vm-still-fawn (") && hotplug.reason.contains("default/zigbee2mqtt"), "\(hotplug.reason)")
            #expect(hotplug.fix == "`qm set 108 --hotplug network,disk,usb` on still-fawn lets Proxmox hot-plug it instead")
        }
    }
}
