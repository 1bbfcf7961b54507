import FerryLab
import Foundation
import Testing

/// `ferry lab move-device|fault|status --dir DIR` acting on the lab that
/// `ferry lab up --dir DIR` runs, seen through the real ssh and the status output.
@Suite("ferry lab move-device, fault, status")
struct LabControlTests {
    @Test("move-device coral --to still-fawn, then status shows it on still-fawn")
    func moveDevice() async throws {
        try await RunningLab.with { lab in
            let dir = lab.directory.path
            let before = try await status(lab)
            #expect(before.devices.first { $0.name == "coral" }?.host == "pumped-piglet")

            let move = try await lab.ferry(["lab", "move-device", "coral", "--to", "still-fawn", "--dir", dir])
            #expect(move.status == 0, "\(move.stderr)")
            #expect(
                move.stdout == "coral is now on still-fawn, port 2-1, showing 1a6e:089a; "
                    + "a VM sees it once its config passes it and it starts or reboots\n")

            let after = try await status(lab)
            let coral = try #require(after.devices.first { $0.name == "coral" })
            #expect(coral.host == "still-fawn")
            #expect(coral.id == "1a6e:089a")
            #expect(after.virtualMachines.first { $0.vmid == 105 }?.devicesVisible.contains("coral") == false)

            let text = try await lab.ferry(["lab", "status", "--dir", dir])
            #expect(text.status == 0, "\(text.stderr)")
            let line = text.stdout.split(separator: "\n").first { $0.hasPrefix("coral ") }
            #expect(line == "coral     usb   still-fawn     1a6e:089a  2-1", "\(text.stdout)")
        }
    }

    @Test("fault ssh-refused on --target k3s-vm-pve refuses ssh to it; off restores it")
    func sshRefused() async throws {
        try await RunningLab.with { lab in
            let dir = lab.directory.path
            let ssh = "/usr/bin/ssh -o BatchMode=yes -F \(lab.file("ssh_config").path) k3s-vm-pve hostname"
            let reachable = try await lab.shell(ssh)
            #expect(reachable.status == 0 && reachable.stdout == "k3s-vm-pve\n", "\(reachable.stderr)")

            let on = try await lab.ferry(["lab", "fault", "ssh-refused", "on", "--target", "k3s-vm-pve", "--dir", dir])
            #expect(on.status == 0, "\(on.stderr)")
            #expect(on.stdout.hasPrefix("ssh-refused is on for k3s-vm-pve: connections to port "), "\(on.stdout)")
            let refused = try await lab.shell(ssh)
            #expect(refused.status == 255)
            #expect(refused.stderr.contains("port \(lab.sshPort("k3s-vm-pve")): Connection refused"), "\(refused.stderr)")
            #expect(try await status(lab).faults.contains(.init(name: "ssh-refused", target: "k3s-vm-pve")))

            let off = try await lab.ferry(["lab", "fault", "ssh-refused", "off", "--target", "k3s-vm-pve", "--dir", dir])
            #expect(off.stdout == "ssh-refused is off for k3s-vm-pve: it accepts connections again\n", "\(off.stderr)")
            let restored = try await lab.shell(ssh)
            #expect(restored.status == 0 && restored.stdout == "k3s-vm-pve\n", "\(restored.stderr)")
        }
    }

    @Test("the other faults switch on and off and show in status")
    func otherFaults() async throws {
        try await RunningLab.with { lab in
            let dir = lab.directory.path
            for arguments in [
                ["guest-agent-absent", "on", "--target", "108"], ["reboot-hangs", "on", "--target", "k3s-vm-pve"],
                ["api-errors", "on", "--value", "0.25"], ["api-latency", "on", "--value", "20"], ["push-rejected", "on"],
            ] {
                let result = try await lab.ferry(["lab", "fault"] + arguments + ["--dir", dir])
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
            }
            let faults = try await status(lab).faults
            #expect(
                faults == [
                    .init(name: "guest-agent-absent", target: "108"), .init(name: "reboot-hangs", target: "107"),
                    .init(name: "api-errors", value: 0.25), .init(name: "api-latency", value: 20),
                    .init(name: "ssh-refused", target: "k3s-vm-still-fawn"), .init(name: "push-rejected"),
                ])

            let push = try await lab.shell(
                "git clone --quiet \(lab.file("gitops.git").path) clone && cd clone"
                    + " && git -c user.name=T -c user.email=t@homelab.lan commit --quiet --allow-empty -m empty && git push origin main")
            #expect(push.status != 0)
            #expect(push.stderr.contains("! [remote rejected] main -> main (pre-receive hook declined)"), "\(push.stderr)")

            for arguments in [
                ["guest-agent-absent", "off", "--target", "k3s-vm-still-fawn"], ["reboot-hangs", "off", "--target", "107"],
                ["api-errors", "off"], ["api-latency", "off"], ["push-rejected", "off"],
            ] {
                let result = try await lab.ferry(["lab", "fault"] + arguments + ["--dir", dir])
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
            }
            #expect(try await status(lab).faults == [.init(name: "ssh-refused", target: "k3s-vm-still-fawn")])
            let retry = try await lab.shell("cd clone && git push --quiet origin main")
            #expect(retry.status == 0, "\(retry.stderr)")
        }
    }

    @Test("an unknown device, host or SSH name is refused with what the lab has, exit 4")
    func unknownNames() async throws {
        try await RunningLab.with { lab in
            let dir = lab.directory.path
            let device = try await lab.ferry(["lab", "move-device", "tpu", "--to", "still-fawn", "--dir", dir])
            #expect(device.status == 4)
            #expect(device.stderr == "Error: the lab has no device named 'tpu'; it has coral, gpu, igpu, keyboard\n")
            #expect(device.stdout == "")

            let host = try await lab.ferry(["lab", "move-device", "coral", "--to", "still-fawm", "--dir", dir])
            #expect(host.status == 4)
            #expect(host.stderr == "Error: the lab has no Proxmox host named 'still-fawm'; it has pumped-piglet, still-fawn, pve\n")

            let target = try await lab.ferry(["lab", "fault", "ssh-refused", "on", "--target", "k3s-vm-gpu", "--dir", dir])
            #expect(target.status == 4)
            #expect(
                target.stderr == "Error: the lab has no SSH endpoint named 'k3s-vm-gpu'; it has k3s-vm-pumped-piglet-gpu, "
                    + "k3s-vm-pve, k3s-vm-still-fawn, pumped-piglet.maas, pve.maas, still-fawn.maas\n")
        }
    }

    @Test("an unknown fault or a missing --target is a usage error, exit 64")
    func unknownFault() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ferry = try FerryBinary.locate()
        let dir = scratch.appendingPathComponent("lab").path
        let usage = """
            Usage: ferry lab fault <name> <state> [--target <target>] [--value <value>] --dir <dir>
              See 'ferry lab fault --help' for more information.

            """
        let unknown = try await ChildProcess.run(ferry.path, ["lab", "fault", "smoke", "on", "--dir", dir], scratch: scratch)
        #expect(unknown.status == 64)
        #expect(
            unknown.stderr == "Error: Unknown fault 'smoke'. Choose one of: ssh-refused, guest-agent-absent, api-errors, "
                + "api-latency, reboot-hangs, push-rejected, device-missing.\n" + usage)

        let untargeted = try await ChildProcess.run(ferry.path, ["lab", "fault", "reboot-hangs", "on", "--dir", dir], scratch: scratch)
        #expect(untargeted.status == 64)
        #expect(untargeted.stderr == "Error: Fault reboot-hangs needs --target: a VM, by name or VMID (k3s-vm-still-fawn, 108).\n" + usage)
    }

    @Test("commands with a --dir where no lab runs say how to start one, exit 3")
    func noLab() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ferry = try FerryBinary.locate()
        let dir = scratch.appendingPathComponent("lab").path
        let expected = "Error: no lab is running with --dir \(dir) (no control.json): start one with `ferry lab up --dir \(dir)`\n"
        for arguments in [["status"], ["move-device", "coral", "--to", "still-fawn"], ["fault", "push-rejected", "on"]] {
            let result = try await ChildProcess.run(ferry.path, ["lab"] + arguments + ["--dir", dir], scratch: scratch)
            #expect(result.status == 3, "\(arguments)")
            #expect(result.stderr == expected, "\(arguments)")
        }
    }

    private func status(_ lab: RunningLab) async throws -> LabStatus {
        let result = try await lab.ferry(["lab", "status", "--json", "--dir", lab.directory.path])
        guard result.status == 0 else { throw SetupFailure(description: "ferry lab status failed: \(result.stderr)") }
        return try JSONDecoder().decode(LabStatus.self, from: Data(result.stdout.utf8))
    }
}
