import FerryCore
import FerryJSON
import Foundation
import Testing

/// `ferry plan` run as a user runs it, against `ferry lab up`: the reference plan, the
/// file it writes, its refusals and exit codes, and that no secret reaches its output.
@Suite("ferry plan")
struct PlanCommandTests {
    /// The hand-written plan of docs/PLAN.md's example (the blueprint's migration).
    static func documentedPlan(repo: String) throws -> MigrationPlan {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/PLAN.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        guard let heading = text.range(of: "## Example"), let start = text.range(of: "```yaml\n", range: heading.upperBound..<text.endIndex),
            let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { throw SetupFailure(description: "docs/PLAN.md has no ```yaml example after '## Example'") }
        let example = String(text[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: \(repo)")
        return try PlanParser.parse(example, file: "docs/PLAN.md")
    }

    static func connection(_ lab: RunningLab) -> [String] {
        ["--kubeconfig", lab.file("kubeconfig").path, "--ssh-config", lab.file("ssh_config").path, "--proxmox-env", lab.file("proxmox.env").path]
    }

    @Test("the reference scenario's plan, written to stdout or a file, is the documented one, with its reasons and no secret")
    func referencePlan() async throws {
        try await RunningLab.with { lab in
            let plan = ["plan", "frigate/frigate", "--to", "k3s-vm-still-fawn", "--repo", lab.file("gitops").path] + Self.connection(lab)
            let started = ContinuousClock.now
            let printed = try await lab.ferry(plan)
            print("ferry plan took \(ContinuousClock.now - started)")
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.stderr.isEmpty, "\(printed.stderr)")

            // The scenario has a Service in front of Frigate, so the plan has the example's HTTP check too.
            let expected = try Self.documentedPlan(repo: lab.file("gitops").path)
            #expect(try PlanParser.parse(printed.stdout, file: "stdout") == expected)
            for basis in [
                "# runs on k3s-vm-pumped-piglet-gpu: pod frigate-",
                "# VM 105 on pumped-piglet: VM name matches the node name\n",
                "# VM 108 on still-fawn: VM name matches the node name\n",
                "# node-bound: PV pvc-",
                "has nodeAffinity kubernetes.io/hostname=k3s-vm-pumped-piglet-gpu (storage class local-path)\n  - claim: frigate-media\n",
                "# nvidia: k3s-vm-still-fawn has no runtime handler nvidia",
                "`ls /dev/dri` through the guest agent",
            ] {
                #expect(printed.stdout.contains(basis), "missing \(basis):\n\(printed.stdout)")
            }

            let file = lab.scratch.appendingPathComponent("migration.yaml")
            let written = try await lab.ferry(plan + ["--out", file.path])
            #expect(written.status == 0, "\(written.stderr)")
            #expect(written.stdout.isEmpty)
            #expect(written.stderr == "Wrote the plan to \(file.path). Review it, then run `ferry check \(file.path)`.\n")
            #expect(try PlanParser.parse(String(contentsOf: file, encoding: .utf8), file: file.path) == expected)

            let refused = try await lab.ferry(plan + ["--out", file.path])
            #expect(refused.status == 5)
            #expect(refused.stderr == "Error: \(file.path) exists: choose another file, or add --force to replace it\n")
            #expect(try await lab.ferry(plan + ["--out", file.path, "--force"]).status == 0)

            // -o is the format, as everywhere; a file name there is refused, not written to.
            let json = try await lab.ferry(plan + ["-o", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            #expect(try PlanParser.parse(json.stdout, file: "plan.json") == expected)
            let misused = try await lab.ferry(plan + ["-o", "plan.yaml"])
            #expect(misused.status == 64)
            #expect(misused.stderr.contains("'plan.yaml' is not an output format (table, json, yaml); to write the plan to a file: --out FILE"),
                    "\(misused.stderr)")

            // Before any run, status says so and what comes next; it is no error.
            let status = try await lab.ferry(["status", file.path])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.hasPrefix("Migration frigate-"), "\(status.stdout)")
            #expect(status.stdout.contains(": not started (no journal at "), "\(status.stdout)")
            let statusJSON = try JSON.parse(try await lab.ferry(["status", file.path, "-o", "json"]).stdout)
            #expect(statusJSON["kind"] == "MigrationStatus")
            #expect(statusJSON["apiVersion"] == "ferry.dev/v1")
            #expect(statusJSON["status"] == "not-started")

            try Self.expectNoSecrets(in: [printed, written, refused], lab: lab)
        }
    }

    @Test("the dry run shows the manifest edits as git diff will, and changes nothing")
    func dryRunDiff() async throws {
        try await RunningLab.with { lab in
            let plan = try await InteractiveRunTests.plan(lab)
            let dryRun = try await lab.ferry(["run", plan.path, "--dry-run"] + Self.connection(lab))
            #expect(dryRun.status == 0, "\(dryRun.stderr)")
            let lines = dryRun.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex { $0.hasPrefix("==> The manifest edits, as `git diff` will show them in ") }, "\(dryRun.stdout)")
            let diff = lines[start...]
            #expect(diff.contains("--- a/apps/frigate/deployment.yaml") && diff.contains("+++ b/apps/frigate/deployment.yaml"), "\(dryRun.stdout)")
            #expect(diff.contains { $0.hasPrefix("@@ ") })
            #expect(diff.contains { $0.hasPrefix("-") && !$0.hasPrefix("---") } && diff.contains { $0.hasPrefix("+") && !$0.hasPrefix("+++") })
            #expect(lines.last { !$0.isEmpty } == "Dry run: nothing was changed.")
            let status = try await lab.shell("git -C \(Terminal.quote(lab.file("gitops").path)) status --porcelain")
            #expect(status.status == 0 && status.stdout.isEmpty, "the clone is untouched: \(status.stdout)")
        }
    }

    @Test("a missing workload, a bad target, a malformed name and a wrong token fail with the fix and no secret")
    func refusals() async throws {
        try await RunningLab.with { lab in
            let repo = ["--repo", lab.file("gitops").path] + Self.connection(lab)
            let missing = try await lab.ferry(["plan", "frigate/nvr", "--to", "k3s-vm-still-fawn"] + repo)
            #expect(missing.status == 1)
            #expect(missing.stderr == "Error: there is no Deployment or StatefulSet named nvr in namespace frigate: "
                + "check the workload with `kubectl get deployments,statefulsets -A`, and give it as NAMESPACE/NAME\n")
            #expect(missing.stdout.isEmpty)

            let unknown = try await lab.ferry(["plan", "frigate/frigate", "--to", "k3s-vm-nowhere"] + repo)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.hasPrefix("Error: there is no node named k3s-vm-nowhere in the cluster: the nodes are "), "\(unknown.stderr)")

            let same = try await lab.ferry(["plan", "frigate/frigate", "--to", "k3s-vm-pumped-piglet-gpu"] + repo)
            #expect(same.status == 1)
            #expect(same.stderr == "Error: Deployment frigate/frigate already runs on k3s-vm-pumped-piglet-gpu: "
                + "give --to another node (k3s-vm-pve, k3s-vm-still-fawn)\n")

            let usage = try await lab.ferry(["plan", "frigate", "--to", "k3s-vm-still-fawn"] + repo)
            #expect(usage.status == 64)
            #expect(usage.stderr.contains("'frigate' is not NAMESPACE/NAME: give the workload's namespace and name, e.g. frigate/frigate"))

            // A wrong Proxmox token: the API refuses it, and ferry says so without echoing it.
            let wrongSecret = "0badc0de-\(UUID().uuidString.lowercased())"
            let environment = try String(contentsOf: lab.file("proxmox.env"), encoding: .utf8)
                .replacing(/PROXMOX_VE_API_TOKEN=(.*)=.*/) { "PROXMOX_VE_API_TOKEN=\($0.1)=\(wrongSecret)" }
            let wrongFile = lab.scratch.appendingPathComponent("wrong.env")
            try environment.write(to: wrongFile, atomically: true, encoding: .utf8)
            let wrong = try await lab.ferry(
                ["plan", "frigate/frigate", "--to", "k3s-vm-still-fawn", "--repo", lab.file("gitops").path,
                 "--kubeconfig", lab.file("kubeconfig").path, "--ssh-config", lab.file("ssh_config").path, "--proxmox-env", wrongFile.path])
            #expect(wrong.status == 1)
            #expect(wrong.stderr.hasPrefix("Error: cannot read the VMs of the Proxmox cluster: "), "\(wrong.stderr)")
            #expect(!wrong.stderr.contains(wrongSecret) && !wrong.stdout.contains(wrongSecret))

            try Self.expectNoSecrets(in: [missing, unknown, same, usage, wrong], lab: lab)
        }
    }

    /// Neither the Proxmox token's secret nor the kubeconfig's key material (the client
    /// key, as base64 and as PEM, and the admin token) appears in any output.
    static func expectNoSecrets(in results: [ChildProcess.Result], lab: RunningLab) throws {
        let environment = try String(contentsOf: lab.file("proxmox.env"), encoding: .utf8)
        let token = try #require(environment.split(separator: "\n").first { $0.hasPrefix("PROXMOX_VE_API_TOKEN=") })
        let secret = String(try #require(token.split(separator: "=").last))
        let kubeconfig = try String(contentsOf: lab.file("kubeconfig"), encoding: .utf8)
        let keyData = try #require(kubeconfig.split(separator: "\n").first { $0.contains("client-key-data:") }?.split(separator: ":").last)
            .trimmingCharacters(in: .whitespaces)
        let keyPEM = try String(contentsOf: lab.file("pki/admin.key"), encoding: .utf8)
        let keyLines = keyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        let adminToken = try String(contentsOf: lab.file("pki/admin.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count >= 16 && keyData.count >= 64 && !keyLines.isEmpty && adminToken.count >= 16)
        for result in results {
            for output in [result.stdout, result.stderr] {
                #expect(!output.contains(secret), "the Proxmox token's secret leaked")
                #expect(!output.contains(keyData.prefix(40)), "the kubeconfig's client key leaked")
                #expect(!keyLines.contains { output.contains($0) }, "the admin key leaked")
                #expect(!output.contains(adminToken), "the admin token leaked")
            }
        }
    }
}
