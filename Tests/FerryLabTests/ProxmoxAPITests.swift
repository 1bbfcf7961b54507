import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The lab's Proxmox VE API through real HTTPS, as the Terraform provider,
/// proxmoxer or ferry's client reach it.
@Suite("Proxmox VE API")
struct ProxmoxAPITests {
    @Test("a wrong or missing token gets 401, and the secret is never echoed")
    func tokenRejected() async throws {
        try await HomelabFixture.with { lab in
            let wrong = "root@pam!ferry=not-the-secret-4242"
            let rejected = try await lab.client.request(.GET, "/nodes", authorization: "PVEAPIToken=\(wrong)")
            #expect(rejected.status == 401)
            #expect(rejected.message == "invalid token value!")
            #expect(!rejected.text.contains("not-the-secret-4242"))
            #expect(!rejected.text.contains("not-the-secret-4242"))

            let missing = try await lab.client.request(.GET, "/nodes", authorization: "")
            #expect(missing.status == 401)
            #expect(missing.message == "No ticket")

            let nodes = try await lab.client.get("/nodes")
            #expect(nodes.status == 200)
            #expect(Set((nodes.body["data"].arrayValue ?? []).compactMap { $0["node"].stringValue }) == ["pumped-piglet", "still-fawn", "pve"])
        }
    }

    @Test("proxmox.env names the endpoint, the token and the certificate's fingerprint, readable by its owner only")
    func environmentFile() async throws {
        try await HomelabFixture.with { lab in
            let text = try String(contentsOf: lab.proxmox.envFile, encoding: .utf8)
            #expect(text.contains("PROXMOX_VE_ENDPOINT=\(lab.proxmox.url)\n"))
            #expect(text.contains("PROXMOX_VE_API_TOKEN=root@pam!ferry=\(lab.proxmox.secret)\n"))
            #expect(text.contains("PROXMOX_VE_FINGERPRINT=\(lab.proxmox.fingerprint)\n"))
            #expect(lab.proxmox.fingerprint.wholeMatch(of: /([0-9A-F]{2}:){31}[0-9A-F]{2}/) != nil)
            let mode = try FileManager.default.attributesOfItem(atPath: lab.proxmox.envFile.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test("cluster resources say which host holds which VMID")
    func clusterResources() async throws {
        try await HomelabFixture.with { lab in
            let reply = try await lab.client.get("/cluster/resources?type=vm")
            let vms = reply.body["data"].arrayValue ?? []
            #expect(vms.count == 3)
            let piglet = try #require(vms.first { $0["vmid"].intValue == 105 })
            #expect(piglet["id"].stringValue == "qemu/105")
            #expect(piglet["node"].stringValue == "pumped-piglet")
            #expect(piglet["name"].stringValue == "k3s-vm-pumped-piglet-gpu")
            #expect(piglet["type"].stringValue == "qemu")
            #expect(piglet["status"].stringValue == "running")
        }
    }

    @Test("host hardware lists the Coral by USB ids and the GPU by PCI address")
    func hostHardware() async throws {
        try await HomelabFixture.with { lab in
            let usb = try await lab.client.get("/nodes/pumped-piglet/hardware/usb").body["data"].arrayValue ?? []
            let coral = try #require(usb.first { $0["vendid"].stringValue == "1a6e" })
            #expect(coral["prodid"].stringValue == "089a")
            #expect(coral["busnum"].intValue == 2)
            #expect(coral["usbpath"].stringValue == "1")
            let pci = try await lab.client.get("/nodes/pumped-piglet/hardware/pci").body["data"].arrayValue ?? []
            #expect(pci.contains { $0["id"].stringValue == "0000:01:00.0" && $0["vendor"].stringValue == "0x10de" })
            let fawn = try await lab.client.get("/nodes/still-fawn/hardware/usb").body["data"].arrayValue ?? []
            #expect(!fawn.contains { $0["vendid"].stringValue == "1a6e" })
        }
    }

    @Test("config: read, set with a form or JSON body, delete keys")
    func configRoundTrip() async throws {
        try await HomelabFixture.with { lab in
            let path = "/nodes/still-fawn/qemu/108/config"
            let before = try await lab.client.get(path).body["data"]
            #expect(before["name"].stringValue == "k3s-vm-still-fawn")
            #expect(before["usb0"] == .null)
            #expect(before["digest"].stringValue?.count == 40)

            let set = try await lab.client.put(path, form: form(["usb0": "host=1a6e:089a,usb3=1"]))
            #expect(set.status == 200, "\(set)")
            #expect(set.body == ["data": .null])
            let viaJSON = try await lab.client.put(path, json: ["usb1": "host=18d1:9302,usb3=1"])
            #expect(viaJSON.status == 200, "\(viaJSON)")
            let after = try await lab.client.get(path).body["data"]
            #expect(after["usb0"].stringValue == "host=1a6e:089a,usb3=1")
            #expect(after["usb1"].stringValue == "host=18d1:9302,usb3=1")
            #expect(after["digest"] != before["digest"])

            let deleted = try await lab.client.put(path, form: form(["delete": "usb0,usb1"]))
            #expect(deleted.status == 200, "\(deleted)")
            let cleared = try await lab.client.get(path).body["data"]
            #expect(cleared["usb0"] == .null && cleared["usb1"] == .null)

            let wrongHost = try await lab.client.get("/nodes/pve/qemu/108/config")
            #expect(wrongHost.status == 500)
            #expect(wrongHost.message == "Configuration file 'nodes/pve/qemu-server/108.conf' does not exist")
        }
    }

    @Test("a malformed usbN value is refused with the parameter named")
    func invalidPassthrough() async throws {
        try await HomelabFixture.with { lab in
            let reply = try await lab.client.put("/nodes/still-fawn/qemu/108/config", form: form(["usb0": "host=coral"]))
            #expect(reply.status == 400)
            #expect(reply.body["errors"]["usb0"].stringValue?.contains("invalid format") == true)
            let unknown = try await lab.client.put("/nodes/still-fawn/qemu/108/config", form: form(["usb99": "host=1-1"]))
            #expect(unknown.status == 400)
            #expect(unknown.body["errors"]["usb99"] != .null)
        }
    }

    @Test("a stale digest fails the change instead of overwriting someone else's")
    func digestConflict() async throws {
        try await HomelabFixture.with { lab in
            let path = "/nodes/still-fawn/qemu/108/config"
            let digest = try #require(try await lab.client.get(path).body["data"]["digest"].stringValue)
            let first = try await lab.client.put(path, form: form(["usb0": "host=1a6e:089a,usb3=1", "digest": digest]))
            #expect(first.status == 200, "\(first)")
            let stale = try await lab.client.put(path, form: form(["usb1": "host=18d1:9302,usb3=1", "digest": digest]))
            #expect(stale.status == 500)
            #expect(stale.message == "detected modified configuration - file changed by other user? Try again.")
            #expect(try await lab.client.get(path).body["data"]["usb1"] == .null)

            // POST is asynchronous: the stale digest ends its task with the error.
            let posted = try await lab.client.post(path, form: form(["usb1": "host=18d1:9302,usb3=1", "digest": digest]))
            #expect(posted.status == 200)
            let upid = try #require(posted.body["data"].stringValue)
            let task = try await lab.waitForTask(upid, node: "still-fawn")
            #expect(task["exitstatus"].stringValue?.hasPrefix("detected modified configuration") == true)
        }
    }

    @Test("reboot returns a UPID whose task finishes OK")
    func rebootTask() async throws {
        try await HomelabFixture.with { lab in
            let reply = try await lab.client.post("/nodes/pumped-piglet/qemu/105/status/reboot")
            #expect(reply.status == 200, "\(reply)")
            let upid = try #require(reply.body["data"].stringValue)
            #expect(upid.wholeMatch(of: /UPID:pumped-piglet:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmreboot:105:root@pam!ferry:/) != nil)
            let task = try await lab.waitForTask(upid, node: "pumped-piglet")
            #expect(task["exitstatus"].stringValue == "OK")
            #expect(task["type"].stringValue == "qmreboot")
            let status = try await lab.client.get("/nodes/pumped-piglet/qemu/105/status/current").body["data"]
            #expect(status["status"].stringValue == "running")
            #expect(status["agent"].intValue == 1)
        }
    }

    @Test("guest agent exec runs a command in the VM and exec-status returns its output")
    func agentExec() async throws {
        try await HomelabFixture.with { lab in
            let lsusb = try await lab.agentRun(["lsusb"], vm: 105, node: "pumped-piglet")
            #expect(lsusb["exitcode"].intValue == 0)
            #expect(lsusb["out-data"].stringValue?.contains("ID 1a6e:089a Global Unichip Corp.") == true)

            let dri = try await lab.agentRun(["ls", "/dev/dri"], vm: 108, node: "still-fawn")
            #expect(dri["out-data"].stringValue == "card0\nrenderD128\n")
            let noDri = try await lab.agentRun(["ls", "/dev/dri"], vm: 107, node: "pve")
            #expect(noDri["exitcode"].intValue == 2)
            #expect(noDri["err-data"].stringValue == "ls: cannot access '/dev/dri': No such file or directory\n")

            let unknown = try await lab.agentRun(["frobnicate"], vm: 107, node: "pve")
            #expect(unknown["exitcode"].intValue == 127)
            #expect(unknown["err-data"].stringValue == "bash: frobnicate: command not found\n")
        }
    }

    @Test("agent calls fail like Proxmox when the agent is absent or the VM is stopped")
    func agentAbsent() async throws {
        try await HomelabFixture.with(faults: LabFaults(guestAgentAbsent: [108])) { lab in
            let ping = try await lab.client.post("/nodes/still-fawn/qemu/108/agent/ping")
            #expect(ping.status == 500)
            #expect(ping.message == "QEMU guest agent is not running")
            let exec = try await lab.client.post("/nodes/still-fawn/qemu/108/agent/exec", json: ["command": ["uptime"]])
            #expect(exec.status == 500)

            let stop = try await lab.client.post("/nodes/pve/qemu/107/status/stop")
            _ = try await lab.waitForTask(try #require(stop.body["data"].stringValue), node: "pve")
            let stopped = try await lab.client.post("/nodes/pve/qemu/107/agent/ping")
            #expect(stopped.status == 500)
            #expect(stopped.message == "VM 107 not running")
        }
    }

    @Test("API faults: every request fails at rate 1, none once cleared")
    func apiErrors() async throws {
        try await HomelabFixture.with(faults: LabFaults(apiErrorRate: 1)) { lab in
            let failed = try await lab.client.get("/nodes")
            #expect(failed.status == 500)
            await lab.homelab.updateFaults { $0.apiErrorRate = 0.5 }
            let statuses = [
                try await lab.client.get("/nodes").status, try await lab.client.get("/nodes").status,
                try await lab.client.get("/nodes").status, try await lab.client.get("/nodes").status,
            ]
            #expect(statuses.filter { $0 == 500 }.count == 2)
            await lab.homelab.updateFaults { $0.apiErrorRate = 0 }
            #expect(try await lab.client.get("/nodes").status == 200)
        }
    }
}
