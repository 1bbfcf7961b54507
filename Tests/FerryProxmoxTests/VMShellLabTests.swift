import FerryLab
import FerryProxmox
import FerryRemote
import Foundation
import Testing

/// The blueprint's incident on the lab: SSH to k3s-vm-still-fawn is refused, so
/// commands in that VM must go through the QEMU guest agent.
@Suite("Commands in the lab's VMs: SSH, else the guest agent")
struct VMShellLabTests {
    @Test("SSH refused: the guest agent runs the command; SSH that works is used; both broken names both attempts")
    func fallbackOverRealProtocols() async throws {
        // Short: a ControlPath socket's path must fit in 104 bytes.
        let directory = URL(fileURLWithPath: "/tmp/fv-\(UUID().uuidString.prefix(8))", isDirectory: true)
        let lab = try await LabScenario.homelab.start(directory: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let endpoint = try #require(lab.proxmox)
            let homelab = try #require(lab.homelab)
            let configuration = try ProxmoxConfiguration(environment: [
                "PROXMOX_VE_ENDPOINT": endpoint.url, "PROXMOX_VE_API_TOKEN": endpoint.apiToken,
                "PROXMOX_VE_FINGERPRINT": endpoint.fingerprint,
            ])
            let proxmox = ProxmoxClient(transport: HTTPSTransport(configuration: configuration), pollInterval: .milliseconds(20))
            let ssh = SSHClient(options: .init(configFile: try #require(lab.ssh).configPath, controlDirectory: directory))

            let stillFawn = VMShell(host: "k3s-vm-still-fawn", ssh: ssh, agent: proxmox.guestAgent(node: "still-fawn", vmid: 108))
            let lsusb = try await stillFawn.run(["lsusb"])
            #expect(lsusb.method == .guestAgent)
            #expect(lsusb.output.exitCode == 0)
            #expect(lsusb.output.stdoutText.contains("Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub"))
            #expect(try await stillFawn.run(["uptime"]).method == .guestAgent)

            let pve = VMShell(host: "k3s-vm-pve", ssh: ssh, agent: proxmox.guestAgent(node: "pve", vmid: 107))
            #expect(try await pve.run(["uptime"]).method == .ssh)

            await homelab.updateFaults { $0.guestAgentAbsent.insert(108) }
            let broken = VMShell(host: "k3s-vm-still-fawn", ssh: ssh, agent: proxmox.guestAgent(node: "still-fawn", vmid: 108))
            let error = await #expect(throws: RemoteError.self) { try await broken.run(["lsusb"]) }
            #expect(error?.attempts.map(\.method) == [.ssh, .guestAgent])
            #expect(error?.description.contains("Connection refused") == true)
            #expect(error?.description.contains("guest agent") == true)
            await ssh.close("k3s-vm-pve")
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
    }
}
