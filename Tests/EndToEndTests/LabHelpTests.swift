import Foundation
import Testing

/// The exact help and usage errors of `ferry lab` and `ferry lab up` (COLUMNS=80).
@Suite("ferry lab help and usage errors")
struct LabHelpTests {
    @Test("ferry lab --help")
    func labHelp() async throws {
        let result = try await run(["lab", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout == Self.labHelp)
    }

    @Test("ferry lab up --help")
    func labUpHelp() async throws {
        let result = try await run(["lab", "up", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout == Self.labUpHelp)
    }

    @Test("lab up rejects an unknown scenario and a port out of range, writing nothing")
    func usageErrors() async throws {
        let usage = """
            Usage: ferry lab up --dir <dir> [--scenario <scenario>] [--port-base <port-base>] [--addon <addon> ...]
              See 'ferry lab up --help' for more information.

            """
        let scenario = try await run(["lab", "up", "--dir", "/nonexistent/lab", "--scenario", "datacenter"])
        #expect(scenario.status == 64)
        #expect(scenario.stderr == "Error: Unknown scenario 'datacenter'. Choose one of: homelab, frigate-coral, frigate-bootstrap, frigate-helm, ollama-gpu.\n" + usage)
        let addon = try await run(["lab", "up", "--dir", "/nonexistent/lab", "--addon", "gpu-operator"])
        #expect(addon.status == 64)
        #expect(addon.stderr == "Error: Unknown addon 'gpu-operator'. Choose from: node-feature-discovery, device-plugin.\n" + usage)
        let port = try await run(["lab", "up", "--dir", "/nonexistent/lab", "--port-base", "65535"])
        #expect(port.status == 64)
        #expect(
            port.stderr == "Error: --port-base must be 0 (free ports) or between 1 and 65534: "
                + "the lab listens on it and on the next port.\n" + usage)
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/lab"))
    }

    private func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try await ChildProcess.run(try FerryBinary.locate().path, arguments, scratch: scratch)
    }

    static let labHelp = """
            OVERVIEW: Run the built-in lab: a simulated homelab to rehearse migrations on.

            `ferry lab up --dir DIR` starts the lab and runs until interrupted. The other
            commands act on the lab running with the same --dir, through the control
            endpoint named in DIR/control.json.

            Exit codes: 0 done; 3 no lab is running with --dir; 4 the lab refused the
            request (unknown device, host, VM or SSH name, or a fault this lab lacks); 5
            (lab up) a lab is already running with --dir; 6 (lab up) the lab did not start;
            64 bad usage.

            USAGE: ferry lab <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              up                      Start the lab and keep it running until interrupted
                                      (Ctrl-C).
              status                  Show the running lab's hosts, VMs, devices, nodes and
                                      faults.
              move-device             Unplug a device from its Proxmox host and plug it
                                      into another.
              fault                   Switch one of the lab's faults on or off.

              See 'ferry help lab <subcommand>' for detailed help.

            """

    static let labUpHelp = """
            OVERVIEW: Start the lab and keep it running until interrupted (Ctrl-C).

            Writes, in DIR: kubeconfig; ssh_config with ssh/ (client key, known_hosts);
            proxmox.env (PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN, PROXMOX_VE_FINGERPRINT)
            and pki/proxmox-ca.crt; for every scenario but homelab, the GitOps repository
            gitops.git and its clone gitops; and control.json, through which `ferry lab
            status`, `move-device` and `fault` reach this lab. On Ctrl-C it stops every
            server it started and removes control.json.

            Exit codes: 0 done; 3 no lab is running with --dir; 4 the lab refused the
            request (unknown device, host, VM or SSH name, or a fault this lab lacks); 5
            (lab up) a lab is already running with --dir; 6 (lab up) the lab did not start;
            64 bad usage.

            USAGE: ferry lab up --dir <dir> [--scenario <scenario>] [--port-base <port-base>] [--addon <addon> ...]

            OPTIONS:
              --dir <dir>             The lab's directory: where `lab up` writes
                                      kubeconfig, ssh_config, proxmox.env, the GitOps
                                      repository and control.json.
              --scenario <scenario>   Which homelab to stand up: homelab, frigate-coral,
                                      frigate-bootstrap, frigate-helm, ollama-gpu.
                                      (default: frigate-coral)
              --port-base <port-base> Port for the Kubernetes API; the Proxmox VE API
                                      listens on the next one (0 picks free ports).
                                      (default: 0)
              --addon <addon>         Run this in the cluster too (repeatable):
                                      node-feature-discovery, device-plugin.
              --version               Show the version.
              -h, --help              Show help information.


            """
}

/// What a bug report needs, asked the two ways people ask; and the binary as a
/// kubectl plugin.
struct VersionTests {
    @Test("ferry version and ferry --version name the release and the commit; as kubectl-ferry its help says kubectl ferry")
    func version() async throws {
        let ferry = try FerryBinary.locate()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-version-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let command = try await ChildProcess.run(ferry.path, ["version"], scratch: scratch)
        let flag = try await ChildProcess.run(ferry.path, ["--version"], scratch: scratch)
        #expect(command.status == 0 && flag.status == 0)
        #expect(command.stdout == flag.stdout)
        #expect(command.stdout.wholeMatch(of: /ferry \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n/) != nil, "\(command.stdout)")

        let plugin = scratch.appendingPathComponent("kubectl-ferry")
        try FileManager.default.createSymbolicLink(at: plugin, withDestinationURL: ferry)
        let help = try await ChildProcess.run(plugin.path, ["--help"], scratch: scratch)
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: kubectl ferry <subcommand>"), "\(help.stdout)")
    }
}
