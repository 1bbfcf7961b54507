import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The commands VMs and hosts answer (through the agent here; over SSH elsewhere).
@Suite("Homelab commands")
struct HomelabCommandTests {
    @Test("shell words: quotes, escapes and operators")
    func shellWords() throws {
        #expect(try ShellWords.split(#"qm guest exec 108 -- sh -c "lsusb | grep 18d1""#)
            == ["qm", "guest", "exec", "108", "--", "sh", "-c", "lsusb | grep 18d1"])
        #expect(try ShellWords.split(#"echo 'a b' c\ d "e\"f""#) == ["echo", "a b", "c d", #"e"f"#])
        #expect(try ShellWords.split("lsusb|grep -q 1a6e&&echo yes") == ["lsusb", "|", "grep", "-q", "1a6e", "&&", "echo", "yes"])
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split("echo 'open") }
    }

    @Test("VM packages and services: dpkg -s, apt-get install, systemctl is-active")
    func packages() async throws {
        let homelab = Homelab(spec: .frigateCoral)
        let vm = VMCommands(homelab: homelab, vmid: 108)
        let missing = await vm.run(["dpkg", "-s", "libedgetpu1-std"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.hasPrefix("dpkg-query: package 'libedgetpu1-std' is not installed"))
        let asUser = await VMCommands(homelab: homelab, vmid: 108, user: "ubuntu").run(commandLine: "apt-get install -y libedgetpu1-std")
        #expect(asUser.exitCode == 100)
        let installed = await VMCommands(homelab: homelab, vmid: 108, user: "ubuntu").run(commandLine: "sudo apt-get install -y libedgetpu1-std")
        #expect(installed.exitCode == 0, "\(installed)")
        #expect(await vm.run(["dpkg", "-s", "libedgetpu1-std"]).stdout.contains("Status: install ok installed"))
        #expect(await vm.run(["apt-get", "install", "-y", "no-such-pkg"]).stderr == "E: Unable to locate package no-such-pkg\n")
        #expect(await vm.run(["systemctl", "is-active", "k3s-agent"]) == CommandResult(stdout: "active\n"))
        #expect(await vm.run(["systemctl", "is-active", "frigate"]) == CommandResult(stdout: "inactive\n", exitCode: 3))
        #expect(await vm.run(["uptime"]).stdout.contains(" up "))
    }

    @Test("host commands: qm config, qm set with a digest, qm guest exec, pvesh, lsusb")
    func hostCommands() async throws {
        let homelab = Homelab(spec: .frigateCoral)
        let piglet = HostCommands(homelab: homelab, host: "pumped-piglet")
        let config = await piglet.run(commandLine: "qm config 105")
        #expect(config.stdout.contains("usb0: host=1a6e:089a,usb3=1\n"))
        #expect(config.stdout.contains("hostpci0: 0000:01:00.0,pcie=1\n"))
        #expect(await piglet.run(commandLine: "lsusb | grep 1a6e").stdout == "Bus 002 Device 003: ID 1a6e:089a Global Unichip Corp.\n")

        let fawn = HostCommands(homelab: homelab, host: "still-fawn")
        let stale = await fawn.run(commandLine: "qm set 108 --usb2 host=2-1,usb3=1 --digest 0000")
        #expect(stale.exitCode == 255)
        #expect(stale.stderr == "detected modified configuration - file changed by other user? Try again.\n")
        let bad = await fawn.run(commandLine: "qm set 108 --usb2 host=nope")
        #expect(bad.stderr.hasPrefix("400 Parameter verification failed.\nusb2: "))
        let set = await fawn.run(commandLine: "qm set 108 --usb2 host=2-1,usb3=1")
        #expect(set.stdout == "update VM 108: -usb2 host=2-1,usb3=1\n")
        #expect(await fawn.run(commandLine: "qm set 108 --delete usb2").exitCode == 0)

        let exec = await fawn.run(commandLine: "qm guest exec 108 -- ls /dev/dri")
        let output = try JSON.parse(exec.stdout)
        #expect(output["exitcode"].intValue == 0)
        #expect(output["out-data"].stringValue == "card0\nrenderD128\n")
        #expect(await fawn.run(commandLine: "qm guest exec 105 -- uptime").stderr == "Configuration file 'nodes/still-fawn/qemu-server/105.conf' does not exist\n")

        let pvesh = await fawn.run(commandLine: "pvesh get /cluster/resources --type vm --output-format json")
        let resources = try JSON.parse(pvesh.stdout).arrayValue ?? []
        #expect(resources.first { $0["vmid"].intValue == 108 }?["node"].stringValue == "still-fawn")
        #expect(await fawn.run(["qm", "status", "108"]).stdout == "status: running\n")
        #expect(await fawn.run(["ls", "/dev/dri"]).stdout.contains("renderD128"))
        #expect(await fawn.run(["nonsense"]) == CommandResult(stderr: "bash: nonsense: command not found\n", exitCode: 127))
    }
}
