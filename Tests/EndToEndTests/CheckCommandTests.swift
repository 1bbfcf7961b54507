import FerryJSON
import Foundation
import Testing

/// `ferry check` as a user runs it, against `ferry lab up`: the plan of docs/PLAN.md
/// with `gitops.repo` pointing at the lab's clone (relative to the plan file), the
/// connection options naming the lab's files.
@Suite("ferry check")
struct CheckCommandTests {
    @Test("the reference plan passes through the guest agent, in table and JSON, never printing the Proxmox token")
    func referencePlan() async throws {
        try await RunningLab.with { lab in
            let plan = try Self.writePlan(in: lab)
            let table = try await lab.ferry(["check", plan.path] + Self.options(lab))
            #expect(table.status == 0, "\(table.stdout)\(table.stderr)")
            let access = Self.line(table.stdout, "vm-access k3s-vm-still-fawn")
            #expect(access.hasPrefix("pass "))
            #expect(access.contains("the QEMU guest agent of VM 108 answers"))
            #expect(Self.line(table.stdout, "device coral").contains("it will be on still-fawn after the physical move"))
            #expect(table.stdout.contains("VM commands on the target: the QEMU guest agent (SSH does not connect)\n"))
            #expect(Self.line(table.stdout, "hotplug VM 108").hasPrefix("warn "), "VM 108 cannot hot-plug USB in the scenario")
            #expect(table.stdout.contains("18 passed, 1 warning in "))
            #expect(table.stdout.contains(": nothing blocks the migration (read the warnings)."))

            let json = try await lab.ferry(["check", plan.path, "-o", "json"] + Self.options(lab))
            #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
            let report = try JSON.parse(json.stdout)
            #expect(report["ok"] == true)
            #expect(report["targetAccess"] == "guest-agent")
            #expect(report["counts"]["fail"] == 0)
            #expect(report["checks"].arrayValue?.contains { $0["check"] == "secret frigate-credentials" && $0["status"] == "pass" } == true)

            let secret = try Self.proxmoxSecret(lab)
            for output in [table.stdout, table.stderr, json.stdout, json.stderr] {
                #expect(!output.contains(secret))
            }
        }
    }

    @Test("broken preconditions exit 1 with their fail line and fix; 200 ms on every endpoint still checks in under 2 s")
    func brokenPreconditions() async throws {
        try await RunningLab.with { lab in
            let plan = try Self.writePlan(in: lab)
            let options = Self.options(lab)

            let cordon = try await lab.shell("kubectl --kubeconfig lab/kubeconfig cordon k3s-vm-still-fawn")
            #expect(cordon.status == 0, "\(cordon.stderr)")
            let cordoned = try await lab.ferry(["check", plan.path] + options)
            #expect(cordoned.status == 1)
            #expect(Self.line(cordoned.stdout, "target-node k3s-vm-still-fawn").hasPrefix("fail "))
            #expect(cordoned.stdout.contains("\n        fix: kubectl uncordon k3s-vm-still-fawn\n"))
            #expect(cordoned.stdout.contains("ferry run would stop here"))
            _ = try await lab.shell("kubectl --kubeconfig lab/kubeconfig uncordon k3s-vm-still-fawn")

            _ = try await lab.ferry(["lab", "fault", "device-missing", "on", "--target", "coral", "--dir", lab.directory.path])
            _ = try await lab.ferry(["lab", "fault", "guest-agent-absent", "on", "--target", "108", "--dir", lab.directory.path])
            try Data("scratch\n".utf8).write(to: lab.file("gitops/notes.txt"))
            let broken = try await lab.ferry(["check", plan.path, "-o", "json"] + options)
            #expect(broken.status == 1)
            let report = try JSON.parse(broken.stdout)
            let failed = (report["checks"].arrayValue ?? []).filter { $0["status"] == "fail" }.compactMap { $0["check"].stringValue }
            #expect(failed == ["vm-access k3s-vm-still-fawn", "device coral", "dev-dri k3s-vm-still-fawn", "git clean"])
            #expect(report["targetAccess"] == .null)
            #expect(!broken.stdout.contains(try Self.proxmoxSecret(lab)))
            _ = try await lab.ferry(["lab", "fault", "device-missing", "off", "--target", "coral", "--dir", lab.directory.path])
            _ = try await lab.ferry(["lab", "fault", "guest-agent-absent", "off", "--target", "108", "--dir", lab.directory.path])
            try FileManager.default.removeItem(at: lab.file("gitops/notes.txt"))

            _ = try await lab.ferry(["lab", "fault", "api-latency", "on", "--value", "200", "--dir", lab.directory.path])
            let clock = ContinuousClock()
            let began = clock.now
            let slow = try await lab.ferry(["check", plan.path] + options)
            let elapsed = began.duration(to: clock.now)
            #expect(slow.status == 0, "\(slow.stdout)\(slow.stderr)")
            print("ferry check with 200 ms on every lab endpoint: \(elapsed) wall time (\(slow.stdout.split(separator: "\n").last ?? ""))")
        }
    }

    @Test("a malformed plan exits 2 with each problem at its line and column, before connecting anywhere")
    func malformedPlan() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let text = try Self.referencePlanText()
            .replacingOccurrences(of: "    usb3: true", with: "    usb4: true")
            .replacingOccurrences(of: "  vmid: 108", with: "  vmid: 10")
        try Data(text.utf8).write(to: scratch.appendingPathComponent("migration.yaml"))
        let ferry = try FerryBinary.locate().path
        let result = try await ChildProcess.run(
            "/bin/bash", ["-c", "cd \(scratch.path) && \(ferry) check migration.yaml --kubeconfig /nonexistent"], scratch: scratch)
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            Error: migration.yaml:22:9: target.vmid: 10 is not a valid VMID: Proxmox VMIDs are 100 to 999999999
            migration.yaml:31:5: devices[0].usb4: unknown key "usb4": did you mean "usb3"?
            migration.yaml: 2 problems; fix the plan and run the command again.

            """)
    }

    @Test("connection settings that cannot be used exit 3 with the variable to set, before any check")
    func unusableSettings() async throws {
        let scratch = try Self.unreachableCluster()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data("# nothing yet\n".utf8).write(to: scratch.appendingPathComponent("proxmox.env"))
        let ferry = try FerryBinary.locate().path
        let result = try await ChildProcess.run(
            "/bin/bash", ["-c", "cd \(scratch.path) && \(ferry) check migration.yaml --kubeconfig kubeconfig --proxmox-env proxmox.env"],
            scratch: scratch, environment: ["PROXMOX_VE_ENDPOINT": "", "PROXMOX_VE_API_TOKEN": ""])
        #expect(result.status == 3)
        #expect(result.stdout == "")
        #expect(result.stderr == "Error: PROXMOX_VE_ENDPOINT is not set: set it to the API's URL, e.g. https://pve.example:8006/\n")
    }

    @Test("PROXMOX_VE_INSECURE=true prints one warning line on stderr")
    func insecureWarns() async throws {
        let scratch = try Self.unreachableCluster()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data("PROXMOX_VE_ENDPOINT=https://127.0.0.1:9/\nPROXMOX_VE_API_TOKEN=root@pam!ferry=00000000-0000-0000-0000-000000000000\n".utf8)
            .write(to: scratch.appendingPathComponent("proxmox.env"))
        try Data("Host *\n  HostName 127.0.0.1\n  Port 9\n".utf8).write(to: scratch.appendingPathComponent("ssh_config"))
        let ferry = try FerryBinary.locate().path
        let result = try await ChildProcess.run(
            "/bin/bash", ["-c", "cd \(scratch.path) && \(ferry) check migration.yaml --kubeconfig kubeconfig --proxmox-env proxmox.env --ssh-config ssh_config"],
            scratch: scratch, environment: ["PROXMOX_VE_INSECURE": "true"])
        #expect(result.status == 1)
        #expect(result.stderr == "warning: PROXMOX_VE_INSECURE is set: the Proxmox API's TLS certificate is not verified\n")
        #expect(!result.stdout.contains("00000000-0000-0000-0000-000000000000"))
    }

    // MARK: Helpers

    /// A scratch directory with the reference plan and a kubeconfig for a cluster that
    /// does not answer (port 9), for what happens before or without any connection.
    static func unreachableCluster() throws -> URL {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data(try referencePlanText().utf8).write(to: scratch.appendingPathComponent("migration.yaml"))
        try Data("""
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: abc}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x

            """.utf8).write(to: scratch.appendingPathComponent("kubeconfig"))
        return scratch
    }

    static func options(_ lab: RunningLab) -> [String] {
        ["--kubeconfig", lab.file("kubeconfig").path, "--ssh-config", lab.file("ssh_config").path,
         "--proxmox-env", lab.file("proxmox.env").path]
    }

    /// The example of docs/PLAN.md, read from the file itself.
    static func referencePlanText(filePath: String = #filePath) throws -> String {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/PLAN.md"), encoding: .utf8)
        guard let start = doc.range(of: "```yaml\n"), let end = doc.range(of: "```", range: start.upperBound..<doc.endIndex) else {
            throw SetupFailure(description: "docs/PLAN.md has no ```yaml example")
        }
        return String(doc[start.upperBound..<end.lowerBound])
    }

    /// The plan in the scratch directory, with `repo: lab/gitops` (relative to the plan).
    static func writePlan(in lab: RunningLab) throws -> URL {
        let text = try referencePlanText().replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: lab/gitops")
        let file = lab.scratch.appendingPathComponent("migration.yaml")
        try Data(text.utf8).write(to: file)
        return file
    }

    static func proxmoxSecret(_ lab: RunningLab) throws -> String {
        let env = try String(contentsOf: lab.file("proxmox.env"), encoding: .utf8)
        guard let token = env.split(separator: "\n").first(where: { $0.hasPrefix("PROXMOX_VE_API_TOKEN=") }),
            let secret = token.split(separator: "=", maxSplits: 2).last, secret.count > 8
        else { throw SetupFailure(description: "no PROXMOX_VE_API_TOKEN in proxmox.env") }
        return String(secret)
    }

    /// The table line of `check` (it starts with the status, then the check's name).
    static func line(_ table: String, _ check: String) -> String {
        table.split(separator: "\n").map(String.init).first { $0.dropFirst(8).hasPrefix(check + " ") } ?? ""
    }
}
