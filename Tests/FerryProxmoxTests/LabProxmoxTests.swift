import FerryJSON
import FerryLab
import FerryProxmox
import FerryRemote
import Foundation
import Testing

@Suite("Proxmox client against the lab's Proxmox API and pvesh over SSH", .serialized)
struct LabProxmoxTests {
    @Test("a rejected token is a clear error with the token id and without the secret")
    func tokenRejected() async throws {
        try await ProxmoxLab.with { lab in
            let wrong = "root@pam!ferry=not-the-right-secret-123"
            let client = try lab.https(token: wrong)
            do throws(ProxmoxError) {
                _ = try await client.virtualMachines()
                Issue.record("the wrong token was accepted")
            } catch {
                #expect(error.code == .unauthorized)
                #expect(error.description.contains("root@pam!ferry"), "\(error)")
                #expect(error.description.contains("PROXMOX_VE_API_TOKEN"))
                #expect(error.description.contains(lab.endpoint.url.dropLast()))
                #expect(!error.description.contains("not-the-right-secret-123"))
                #expect(!error.description.contains(lab.endpoint.secret))
            }
        }
    }

    @Test("a server answering 500 to every third request: reads are retried and all succeed; always 500: a server error, not a credential one")
    func serverErrorsAreRetried() async throws {
        try await ProxmoxLab.with { lab in
            let client = try lab.https()
            await lab.homelab.updateFaults { $0.apiErrorRate = 0.34 }
            for _ in 0..<12 {
                #expect(try await client.vmLocation(vmid: 108).node == "still-fawn")
                #expect(try await client.usbDevices(node: "pumped-piglet").isEmpty == false)
            }
            await lab.homelab.updateFaults { $0.apiErrorRate = 1 }
            do throws(ProxmoxError) {
                _ = try await client.virtualMachines()
                Issue.record("a server failing every request was believed")
            } catch {
                #expect(error.code == .api(status: 500), "\(error)")
                #expect(error.description.contains("a server error, not a credential one"), "\(error)")
                #expect(error.description.contains("journalctl -u pveproxy -u pvedaemon"), "\(error)")
                #expect(!error.description.contains("PROXMOX_VE_API_TOKEN"), "\(error)")
            }
        }
    }

    @Test("the pinned fingerprint is accepted; another one is refused naming both")
    func pinning() async throws {
        try await ProxmoxLab.with { lab in
            #expect(try await lab.https().vmLocation(vmid: 108).node == "still-fawn")
            let other = try CertificateFingerprint(parsing: String(repeating: "0", count: 64))
            let pinnedElsewhere = try lab.https(trust: .pinned(other))
            do throws(ProxmoxError) {
                _ = try await pinnedElsewhere.virtualMachines()
                Issue.record("a server with another certificate was trusted")
            } catch {
                #expect(error.code == .fingerprintMismatch)
                let presented = try CertificateFingerprint(parsing: lab.endpoint.fingerprint)
                #expect(error.description.contains(presented.description), "\(error)")
                #expect(error.description.contains(other.description))
            }
        }
    }

    @Test("a self-signed server is refused by the system trust store, and reached with --insecure")
    func trustModes() async throws {
        try await ProxmoxLab.with { lab in
            let system = try lab.https(trust: .systemTrustStore)
            do throws(ProxmoxError) {
                _ = try await system.virtualMachines()
                Issue.record("the lab's CA was trusted by the system store")
            } catch {
                #expect(error.code == .tls, "\(error)")
                #expect(error.description.contains("PROXMOX_VE_FINGERPRINT"))
            }
            #expect(try await lab.https(trust: .insecure).virtualMachines().map(\.vmid) == [105, 107, 108])
        }
    }

    @Test("a closed port is a connection error naming the endpoint")
    func refused() async throws {
        let environment = ["PROXMOX_VE_ENDPOINT": "https://127.0.0.1:1/", "PROXMOX_VE_API_TOKEN": "root@pam!ferry=s", "PROXMOX_VE_INSECURE": "1"]
        let client = ProxmoxClient(transport: HTTPSTransport(configuration: try ProxmoxConfiguration(environment: environment)))
        do throws(ProxmoxError) {
            _ = try await client.virtualMachines()
            Issue.record("connected to port 1")
        } catch {
            #expect(error.code == .connection)
            #expect(error.description.contains("https://127.0.0.1:1"), "\(error)")
            #expect(error.description.contains("connection refused"), "\(error)")
        }
    }

    @Test("HTTPS and pvesh over SSH give the same models")
    func transportsAgree() async throws {
        try await ProxmoxLab.with { lab in
            let api = try lab.https()
            let ssh = lab.pvesh(on: "pve")
            #expect(try await api.virtualMachines() == ssh.virtualMachines())
            #expect(try await api.vmLocation(vmid: 105) == ssh.vmLocation(vmid: 105))
            let apiConfig = try await api.vmConfig(node: "pumped-piglet", vmid: 105)
            let sshConfig = try await ssh.vmConfig(node: "pumped-piglet", vmid: 105)
            #expect(apiConfig == sshConfig)
            #expect(apiConfig.digest != nil)
            #expect(apiConfig.usb.map(\.selector) == [.id(vendor: "1a6e", product: "089a"), .id(vendor: "18d1", product: "9302")])
            #expect(apiConfig.pci.map(\.address) == ["0000:01:00.0"])
            let apiUSB = try await api.usbDevices(node: "pumped-piglet")
            #expect(try await apiUSB == ssh.usbDevices(node: "pumped-piglet"))
            #expect(apiUSB.contains { $0.id == "1a6e:089a" && $0.port == "2-1" })
            #expect(try await api.status(node: "still-fawn", vmid: 108) .status == ssh.status(node: "still-fawn", vmid: 108).status)
        }
    }

    @Test("usb entries are set and deleted through either transport; a stale digest is refused")
    func setAndDelete() async throws {
        try await ProxmoxLab.with { lab in
            let api = try lab.https()
            let ssh = lab.pvesh()
            let before = try await api.vmConfig(node: "still-fawn", vmid: 108)
            let key = try #require(before.freeUSBKey)
            let value = try VMConfig.USBEntry.value(vendor: "18d1", product: "9302", usb3: true)
            try await api.setConfig(node: "still-fawn", vmid: 108, set: [key: value], digest: before.digest)
            let added = try await ssh.vmConfig(node: "still-fawn", vmid: 108)
            #expect(added.usb.map(\.selector) == [.id(vendor: "18d1", product: "9302")])
            #expect(added.usb.first?.usb3 == true)
            do throws(ProxmoxError) {
                try await api.setConfig(node: "still-fawn", vmid: 108, delete: [key], digest: before.digest)
                Issue.record("a stale digest was accepted")
            } catch {
                #expect(error.code == .configChanged, "\(error)")
            }
            try await ssh.setConfig(node: "still-fawn", vmid: 108, delete: [key], digest: added.digest)
            #expect(try await api.vmConfig(node: "still-fawn", vmid: 108).usb.isEmpty)
            do throws(ProxmoxError) {
                try await ssh.setConfig(node: "still-fawn", vmid: 108, set: ["usb0": "host=nonsense"])
                Issue.record("a malformed usb entry was accepted")
            } catch {
                #expect(error.description.contains("usb0"), "\(error)")
            }
        }
    }

    @Test("a reboot's task is waited for, and the guest agent answers afterwards", arguments: ["https", "ssh"])
    func reboot(_ transport: String) async throws {
        try await ProxmoxLab.with { lab in
            let client = transport == "https" ? try lab.https() : lab.pvesh()
            let upid = try await client.reboot(node: "still-fawn", vmid: 108)
            #expect(upid.hasPrefix("UPID:still-fawn:"))
            let task = try await client.waitForTask(node: "still-fawn", upid: upid, timeout: .seconds(20))
            #expect(task.exitStatus == "OK")
            #expect(try await client.status(node: "still-fawn", vmid: 108).isRunning)
            // The guest is up when its node is Ready again (a watch, not polling).
            let ready = await lab.lab.kube.waitUntil(ResourceCatalog.nodes, timeout: .seconds(20)) { nodes in
                nodes.first { $0.name == "k3s-vm-still-fawn" && $0.condition("Ready")?["status"].stringValue == "True" }
            }
            #expect(ready != nil)
            try await client.agentPing(node: "still-fawn", vmid: 108)
        }
    }

    @Test("guest agent exec returns the command's output and exit code", arguments: ["https", "ssh"])
    func agentExec(_ transport: String) async throws {
        try await ProxmoxLab.with { lab in
            let client = transport == "https" ? try lab.https() : lab.pvesh()
            let lsusb = try await client.agentExec(node: "pumped-piglet", vmid: 105, arguments: ["lsusb"], timeout: .seconds(20))
            #expect(lsusb.succeeded)
            #expect(lsusb.stdoutText.contains("1a6e:089a"), "\(lsusb.stdoutText)")
            let missing = try await client.agentExec(node: "pumped-piglet", vmid: 105, arguments: ["no-such-program"], timeout: .seconds(20))
            #expect(missing.exitCode == 127)
            #expect(missing.stderrText.contains("no-such-program"))
            let agent = client.guestAgent(node: "pumped-piglet", vmid: 105, timeout: .seconds(20))
            #expect(try await agent.execute(["hostname"], stdin: nil).stdoutText == "k3s-vm-pumped-piglet-gpu\n")
        }
    }

    @Test("a VM whose agent is down fails agent calls with a guest-agent error")
    func agentDown() async throws {
        try await ProxmoxLab.with { lab in
            await lab.homelab.updateFaults { $0.guestAgentAbsent.insert(108) }
            let client = try lab.https()
            do throws(ProxmoxError) {
                try await client.agentPing(node: "still-fawn", vmid: 108)
                Issue.record("the agent answered")
            } catch {
                #expect(error.code == .guestAgent)
                #expect(error.description.contains("VM 108 on still-fawn"), "\(error)")
            }
        }
    }
}
