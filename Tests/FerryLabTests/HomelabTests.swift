import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The homelab's rules as a migration meets them: passthrough only at boot, the
/// Coral's two ids, physical moves, node readiness following the VM, hung reboots.
@Suite("Homelab hardware and VMs")
struct HomelabTests {
    static let fawnConfig = "/nodes/still-fawn/qemu/108/config"

    /// Reboots a VM through the API, waits for its task and its agent.
    static func reboot(_ lab: HomelabFixture, vm vmid: Int, node: String) async throws {
        let reply = try await lab.client.post("/nodes/\(node)/qemu/\(vmid)/status/reboot")
        let task = try await lab.waitForTask(try #require(reply.body["data"].stringValue), node: node)
        #expect(task["exitstatus"].stringValue == "OK", "\(task)")
        try await lab.waitForAgent(vm: vmid, node: node)
    }

    @Test("passthrough configured without a reboot changes nothing in the VM; after the reboot the VM sees the Coral")
    func passthroughNeedsReboot() async throws {
        try await HomelabFixture.with { lab in
            try await lab.homelab.moveDevice("coral", toHost: "still-fawn")
            let set = try await lab.client.put(Self.fawnConfig, form: form(["usb0": "host=1a6e:089a,usb3=1", "usb1": "host=18d1:9302,usb3=1"]))
            #expect(set.status == 200, "\(set)")

            let before = try await lab.agentRun(["lsusb", "-d", "1a6e:"], vm: 108, node: "still-fawn")
            #expect(before["exitcode"].intValue == 1)
            #expect(await lab.homelab.devicesVisible(inVM: 108).isEmpty == false)  // the iGPU only
            #expect(await !lab.homelab.devicesVisible(inVM: 108).contains { $0.name == "coral" })
            let pending = try await lab.client.get("/nodes/still-fawn/qemu/108/pending").body["data"].arrayValue ?? []
            #expect(pending.contains { $0["key"].stringValue == "usb0" && $0["pending"].stringValue == "host=1a6e:089a,usb3=1" })

            try await Self.reboot(lab, vm: 108, node: "still-fawn")
            let after = try await lab.agentRun(["lsusb"], vm: 108, node: "still-fawn")
            #expect(after["out-data"].stringValue?.contains("ID 1a6e:089a Global Unichip Corp.") == true)
            #expect(FileManager.default.fileExists(atPath: lab.directory.appendingPathComponent("nodes/\(Node.fawn)/dev/bus/usb/002/002").path))
        }
    }

    /// Proxmox's defaults hot-plug USB: the change is not pending, the running VM
    /// sees the device at once without a reboot, and loses it at once on deletion.
    /// A machine type pinned before 7.1 keeps the change pending, as before.
    @Test("a VM that hot-plugs USB gets and loses the Coral without a reboot; one pinned to machine 6.2 waits for its reboot")
    func usbHotplug() async throws {
        try await HomelabFixture.with { lab in
            try await lab.homelab.moveDevice("coral", toHost: "still-fawn")
            let booted = try #require(await lab.homelab.vm(108)?.startedAt)
            let defaults = try await lab.client.put(Self.fawnConfig, form: form(["delete": "hotplug"]))
            #expect(defaults.status == 200, "\(defaults)")
            let set = try await lab.client.put(Self.fawnConfig, form: form(["usb0": "host=1a6e:089a,usb3=1"]))
            #expect(set.status == 200, "\(set)")
            let lsusb = try await lab.agentRun(["lsusb"], vm: 108, node: "still-fawn")
            #expect(lsusb["out-data"].stringValue?.contains("ID 1a6e:089a Global Unichip Corp.") == true)
            let pending = try await lab.client.get("/nodes/still-fawn/qemu/108/pending").body["data"].arrayValue ?? []
            #expect(!pending.contains { $0["key"].stringValue == "usb0" && $0["pending"].stringValue != nil }, "\(pending)")
            #expect(await lab.homelab.vm(108)?.startedAt == booted, "no reboot")

            let removed = try await lab.client.put(Self.fawnConfig, form: form(["delete": "usb0"]))
            #expect(removed.status == 200, "\(removed)")
            #expect(await !lab.homelab.devicesVisible(inVM: 108).contains { $0.name == "coral" })

            _ = try await lab.client.put(Self.fawnConfig, form: form(["machine": "pc-q35-6.2"]))
            _ = try await lab.client.put(Self.fawnConfig, form: form(["usb0": "host=1a6e:089a,usb3=1"]))
            #expect(await !lab.homelab.devicesVisible(inVM: 108).contains { $0.name == "coral" })
            let waiting = try await lab.client.get("/nodes/still-fawn/qemu/108/pending").body["data"].arrayValue ?? []
            #expect(waiting.contains { $0["key"].stringValue == "usb0" && $0["pending"].stringValue == "host=1a6e:089a,usb3=1" })
        }
    }

    @Test("moving the Coral without reconfiguring passthrough: neither VM sees it")
    func moveWithoutPassthrough() async throws {
        try await HomelabFixture.with { lab in
            try await lab.homelab.moveDevice("coral", toHost: "still-fawn")
            try await Self.reboot(lab, vm: 108, node: "still-fawn")
            let fawn = try await lab.agentRun(["sh", "-c", "lsusb | grep -c -E '1a6e|18d1'"], vm: 108, node: "still-fawn")
            #expect(fawn["out-data"].stringValue == "0\n")
            let piglet = try await lab.agentRun(["lsusb"], vm: 105, node: "pumped-piglet")
            #expect(piglet["out-data"].stringValue?.contains("1a6e:089a") == false)
            let hostUSB = try await lab.client.get("/nodes/still-fawn/hardware/usb").body["data"].arrayValue ?? []
            #expect(hostUSB.contains { $0["vendid"].stringValue == "1a6e" && $0["prodid"].stringValue == "089a" })
        }
    }

    @Test("the Coral re-enumerates as 18d1:9302 once opened; passed by one id only, the VM loses it")
    func coralReenumeration() async throws {
        try await HomelabFixture.with { lab in
            // VM 105 passes both ids: the Coral stays visible across re-enumeration.
            let opened = await lab.homelab.openUSBDevices(onNode: Node.gpu)
            #expect(opened.contains { $0.name == "coral" && $0.identity.id == "18d1:9302" })
            let lsusb = try await lab.agentRun(["lsusb", "-d", "18d1:9302"], vm: 105, node: "pumped-piglet")
            #expect(lsusb["out-data"].stringValue?.hasSuffix("ID 18d1:9302 Google Inc.\n") == true)
            let host = try await lab.client.get("/nodes/pumped-piglet/hardware/usb").body["data"].arrayValue ?? []
            #expect(host.contains { $0["vendid"].stringValue == "18d1" && $0["prodid"].stringValue == "9302" })

            // Unplugged and plugged back, it is 1a6e:089a again.
            await lab.homelab.updateFaults { $0.missingDevices.insert("coral") }
            #expect(await lab.homelab.devices(onHost: "pumped-piglet").contains { $0.name == "coral" } == false)
            await lab.homelab.updateFaults { $0.missingDevices.remove("coral") }
            #expect(await lab.homelab.device(named: "coral")?.identity.id == "1a6e:089a")

            // Passed by 1a6e:089a only, the Coral is gone from the VM once it re-enumerates.
            let put = try await lab.client.put("/nodes/pumped-piglet/qemu/105/config", form: form(["delete": "usb1"]))
            #expect(put.status == 200)
            try await Self.reboot(lab, vm: 105, node: "pumped-piglet")
            #expect(await lab.homelab.devicesVisible(inVM: 105).contains { $0.name == "coral" })
            await lab.homelab.openUSBDevices(onNode: Node.gpu)
            let lost = try await lab.agentRun(["sh", "-c", "lsusb | grep -E '1a6e|18d1'"], vm: 105, node: "pumped-piglet")
            #expect(lost["exitcode"].intValue == 1)
        }
    }

    @Test("the node's Ready condition is Unknown while its VM reboots, True after")
    func nodeReadinessFollowsVM() async throws {
        try await HomelabFixture.with { lab in
            #expect(await lab.readyCondition(Node.pve)?["status"].stringValue == "True")
            let reply = try await lab.client.post("/nodes/pve/qemu/107/status/reboot")
            #expect(reply.status == 200)
            let down = try await eventually("node \(Node.pve) Unknown") { () -> JSON? in
                let ready = await lab.readyCondition(Node.pve)
                return ready?["status"].stringValue == "Unknown" ? ready : nil
            }
            #expect(down["reason"].stringValue == "NodeStatusUnknown")
            #expect(down["message"].stringValue == "Kubelet stopped posting node status.")
            try await eventually("node \(Node.pve) Ready again") {
                await lab.readyCondition(Node.pve)?["status"].stringValue == "True" ? true : nil
            }
            try await lab.waitForAgent(vm: 107, node: "pve")
        }
    }

    @Test("with rebootHangs the VM never comes back until it is stopped and started")
    func rebootHangs() async throws {
        try await HomelabFixture.with(faults: LabFaults(rebootHangs: [107])) { lab in
            let hung = try await lab.client.post("/nodes/pve/qemu/107/status/reboot")
            _ = try await lab.waitForTask(try #require(hung.body["data"].stringValue), node: "pve")
            // VM 108 reboots alongside with the same timing: once it is back, 107 would be too.
            try await Self.reboot(lab, vm: 108, node: "still-fawn")
            try await eventually("node \(Node.fawn) Ready") {
                await lab.readyCondition(Node.fawn)?["status"].stringValue == "True" ? true : nil
            }
            #expect(await lab.readyCondition(Node.pve)?["status"].stringValue == "Unknown")
            let ping = try await lab.client.post("/nodes/pve/qemu/107/agent/ping")
            #expect(ping.message == "QEMU guest agent is not running")
            let status = try await lab.client.get("/nodes/pve/qemu/107/status/current").body["data"]
            #expect(status["status"].stringValue == "running")

            await lab.homelab.updateFaults { $0.rebootHangs.remove(107) }
            _ = try await lab.waitForTask(try #require(try await lab.client.post("/nodes/pve/qemu/107/status/stop").body["data"].stringValue), node: "pve")
            _ = try await lab.waitForTask(try #require(try await lab.client.post("/nodes/pve/qemu/107/status/start").body["data"].stringValue), node: "pve")
            try await lab.waitForAgent(vm: 107, node: "pve")
            try await eventually("node \(Node.pve) Ready") {
                await lab.readyCondition(Node.pve)?["status"].stringValue == "True" ? true : nil
            }
        }
    }

    @Test("a VM's /dev in the node filesystem follows what it sees: /dev/dri on still-fawn, the Coral on pumped-piglet")
    func nodeDevices() async throws {
        try await HomelabFixture.with { lab in
            let nodes = lab.directory.appendingPathComponent("nodes")
            #expect(FileManager.default.fileExists(atPath: nodes.appendingPathComponent("\(Node.fawn)/dev/dri/renderD128").path))
            #expect(!FileManager.default.fileExists(atPath: nodes.appendingPathComponent("\(Node.pve)/dev/dri").path))
            #expect(FileManager.default.fileExists(atPath: nodes.appendingPathComponent("\(Node.gpu)/dev/bus/usb/002/002").path))
            #expect(FileManager.default.fileExists(atPath: nodes.appendingPathComponent("\(Node.gpu)/dev/nvidia0").path))
        }
    }
}
