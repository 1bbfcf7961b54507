import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// `ferry scripts`: the reference plan as numbered scripts that bash parses and
/// shellcheck passes, with every plan value quoted.
@Suite struct MigrationScriptsTests {
    static let names = [
        "00-preflight.sh", "10-source.sh", "20-physical-move.sh", "30-target.sh", "40-volumes.sh", "50-gitops.sh",
        "60-verify.sh", "90-rollback.sh",
    ]

    /// The reference plan with a log line holding a quote and spaces, and a driver
    /// check with shell syntax in it.
    static func plan() throws -> MigrationPlan {
        let text = PlanFixtures.frigate
            .replacingOccurrences(of: "- log: TPU found", with: "- log: \"Frigate's TPU found\"")
            .replacingOccurrences(of: "check: dpkg -s libedgetpu1-std", with: "check: \"dpkg -s libedgetpu1-std | grep -q 'Status: install'\"")
        return try PlanParser.parse(text, file: "migration.yaml")
    }

    @Test func theScriptsAreNumberedInOrderAndListedInTheReadme() throws {
        let plan = try Self.plan()
        let scripts = MigrationScripts.make(plan, patch: nil)
        #expect(scripts.map(\.name) == Self.names)
        let readme = MigrationScripts.readme(plan, scripts)
        let listed = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { String($0.dropFirst(3).prefix { $0 != "`" }) }
        #expect(listed == Self.names)
    }

    /// Flux paused by its Kustomization; at the objects' grain with CronJobs paused
    /// beside the workload; by the HelmRelease that renders it; and no GitOps at all,
    /// the edits made live.
    @Test(arguments: ["kustomization", "objects", "helmRelease", "live"])
    func everyScriptParsesAndPassesShellcheck(shape: String) async throws {
        let shellcheck = "/usr/bin/shellcheck"
        try #require(FileManager.default.isExecutableFile(atPath: shellcheck),
                     "shellcheck is missing at \(shellcheck): install it (apt-get install shellcheck; .ci/run does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scripts-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        var plan = try Self.plan()
        if shape == "objects" {
            plan.devices[0].resource = "coral.ai/tpu"
            plan.gitops?.pause = .objects
            plan.cronJobs = [.init(name: "frigate-healthcheck"), .init(name: "frigate.backup")]
        }
        if shape == "helmRelease" {
            plan.gitops?.controller = .fluxHelmRelease
            plan.gitops?.helmRelease = MigrationPlan.ObjectRef(namespace: "frigate", name: "frigate")
            plan.gitops?.pause = .helmRelease
        }
        if shape == "live" {
            plan.liveChanges = plan.manifestChanges.map { change in
                let config = change.file.hasSuffix("configmap.yaml")
                return MigrationPlan.LiveChange(
                    object: MigrationPlan.LiveObject(kind: config ? .configMap : .deployment, name: config ? "frigate-config" : "frigate"),
                    path: change.path, edit: change.edit)
            }
            plan.manifestChanges = []
            plan.gitops = nil
        }
        let scripts = MigrationScripts.make(plan, patch: "--- a/apps/frigate/deployment.yaml\n+++ b/apps/frigate/deployment.yaml\n@@ -1 +1 @@\n-a\n+b\n")
        try ScriptsDirectory(directory).write(scripts, readme: MigrationScripts.readme(plan, scripts), force: false)
        for name in Self.names {
            let file = directory.appendingPathComponent(name)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.hasPrefix("#!/usr/bin/env bash\n"), "\(name)")
            #expect(text.contains("\nset -euo pipefail\n"), "\(name)")
            #expect(FileManager.default.isExecutableFile(atPath: file.path), "\(name) is executable")
            let parsed = try await TestProcess.run("/usr/bin/bash", ["-n", file.path], scratch: FileManager.default.temporaryDirectory)
            #expect(parsed.status == 0, "bash -n \(name): \(parsed.stderr)")
            let checked = try await TestProcess.run(shellcheck, ["-x", file.path], scratch: FileManager.default.temporaryDirectory)
            #expect(checked.status == 0, "shellcheck \(name):\n\(String(decoding: checked.stdout, as: UTF8.self))")
        }
        if shape == "helmRelease" {
            let source = try String(contentsOf: directory.appendingPathComponent("10-source.sh"), encoding: .utf8)
            #expect(source.contains(#"kubectl -n "$HELMRELEASE_NS" patch helmrelease "$HELMRELEASE" --type merge -p '{"spec":{"suspend":true}}'"#), "\(source)")
            #expect(!source.contains("patch kustomization"), "the Kustomization keeps reconciling: \(source)")
            let gitops = try String(contentsOf: directory.appendingPathComponent("50-gitops.sh"), encoding: .utf8)
            let applied = try #require(gitops.range(of: "wait_for 300 \"Flux to apply $commit\" applied"), "\(gitops)")
            let resumed = try #require(gitops.range(of: #"patch helmrelease "$HELMRELEASE" --type merge -p '{"spec":{"suspend":false}}'"#), "\(gitops)")
            #expect(applied.upperBound < resumed.lowerBound, "the release is resumed once the Kustomization applied the values")
            #expect(gitops.contains("reconcile.fluxcd.io/forceAt=$requested"))
        }
        if shape == "live" {
            let live = try String(contentsOf: directory.appendingPathComponent("50-gitops.sh"), encoding: .utf8)
            #expect(live.contains(#"patch deployment frigate --type=merge -p '{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":"k3s-vm-still-fawn"}}}}}'"#), "\(live)")
            #expect(live.contains("EDITED=1"), "the GPU limit inside containers and the preset are edits by hand")
            #expect(live.contains(#"--replicas="$(cat "$STATE_DIR/replicas")""#))
            let rollback = try String(contentsOf: directory.appendingPathComponent("90-rollback.sh"), encoding: .utf8)
            #expect(rollback.contains(#"if [ -e "$STATE_DIR/live-0" ]; then"#), "\(rollback)")
        }
    }

    @Test func valuesWithQuotesAndSpacesComeOutQuoted() throws {
        let scripts = MigrationScripts.make(try Self.plan(), patch: nil)
        let verify = try #require(scripts.first { $0.name == "60-verify.sh" }).text
        #expect(verify.contains(#"grep -qF -- 'Frigate'"'"'s TPU found'"#), "\(verify)")
        let target = try #require(scripts.first { $0.name == "30-target.sh" }).text
        #expect(target.contains(#"target_exec sh -c 'dpkg -s libedgetpu1-std | grep -q '"'"'Status: install'"'"''"#), "\(target)")
        #expect(target.contains("qm set \"$TARGET_VMID\" \"--$slot\" host=1a6e:089a,usb3=1"))
        #expect(target.contains("vm_exec"))
        #expect(scripts.allSatisfy { $0.text.contains("ssh -o BatchMode=yes -o ConnectTimeout=\"$SSH_TIMEOUT\"") && $0.text.contains("qm guest exec") })
    }

    @Test func withoutTheCloneTheGitOpsScriptSaysWhatToEdit() throws {
        let scripts = MigrationScripts.make(try Self.plan(), patch: nil)
        let gitops = try #require(scripts.first { $0.name == "50-gitops.sh" }).text
        #expect(gitops.contains("#   - apps/frigate/configmap.yaml: in data.config.yml, preset-nvidia-h264 -> preset-vaapi"))
        #expect(gitops.contains("edit the manifests as the comments above say"))
    }

    @Test func aDirectoryThatHoldsSomethingIsRefusedWithoutForce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scripts-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let plan = try Self.plan()
        let scripts = MigrationScripts.make(plan, patch: nil)
        #expect(throws: ScriptsError.self) { try ScriptsDirectory(directory).write(scripts, readme: "", force: false) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("00-preflight.sh").path))
        try ScriptsDirectory(directory).write(scripts, readme: "", force: true)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("00-preflight.sh").path))
    }
}
