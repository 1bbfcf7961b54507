import Foundation
import Testing

@testable import FerryLab

/// The whole lab's SSH: `Lab.start` with the blueprint's homelab serves `qm` on the
/// hosts and the guest commands on the VMs to the real ssh.
@Suite("Lab SSH to the homelab")
struct SSHHomelabTests {
    @Test("qm on a host and lsusb in a VM answer over ssh; the scenario's broken VM refuses")
    func homelabOverSSH() async throws {
        let directory = URL(fileURLWithPath: "/tmp/fs-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes)
        configuration.homelab = .frigateCoral
        configuration.sshRefused = LabScenario.homelab.sshRefused
        let lab = try await Lab.start(configuration)
        defer { lab.stop() }
        let ssh = try #require(lab.ssh)
        let client = SSHFixture(ssh: ssh, directory: directory)
        #expect(Set(ssh.endpoints.keys) == Set(SSHName.hosts + SSHName.vms))

        let config = try await client.run(SSHName.fawn, ["qm", "config", "108"])
        #expect(config.status == 0, "\(config)")
        #expect(config.output.contains("hostpci0: 0000:c4:00.0"))
        let missing = try await client.run(SSHName.fawn, ["qm", "config", "999"])
        #expect(missing.status != 0)

        let lsusb = try await eventually("VM 105 answers lsusb over ssh") {
            let result = try await client.run(SSHName.gpuVM, ["lsusb"])
            return result.status == 0 ? result : nil
        }
        #expect(lsusb.output.contains("1a6e:089a") || lsusb.output.contains("18d1:9302"), "\(lsusb)")
        #expect(try await client.succeed(SSHName.gpuVM, "whoami") == "ubuntu\n")

        let refused = try await client.run(SSHName.fawnVM, ["hostname"])
        #expect(refused.status == 255)
        #expect(refused.stderr.contains("Connection refused"), "\(refused)")
    }
}
