import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// The reference plan in a temporary directory with a GitOps clone beside it whose
/// last commit is the migration's, and journals of that plan as runs leave them:
/// every step one second long from 10:00:00 UTC, the physical move ten.
struct ReportFixture {
    let directory: URL
    let planFile: URL
    let plan: MigrationPlan
    let steps: [any MigrationStep]
    /// The migration's commit in `clone`.
    let commit: String
    var clone: URL { directory.appendingPathComponent("gitops", isDirectory: true) }

    static func with(_ body: (ReportFixture) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let planFile = directory.appendingPathComponent("migration.yaml")
        let text = PlanFixtures.frigate.replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: gitops")
        try Data(text.utf8).write(to: planFile)
        let plan = try PlanParser.parse(text, file: planFile.path)
        let environment = try MigrationEnvironment.offline(plan: plan, planFile: planFile)
        let steps = MigrationSteps.make(environment)
        await environment.connections.shutdown()
        let commit = try await makeClone(directory.appendingPathComponent("gitops"), scratch: directory)
        try await body(ReportFixture(directory: directory, planFile: planFile, plan: plan, steps: steps, commit: commit))
    }

    func report(_ journal: Journal) async throws -> MigrationReport {
        try await MigrationReport.make(plan: plan, planFile: planFile, journal: journal)
    }

    /// Every step done, up to and including `last`, with what each remembers in a real run.
    func completedJournal(through last: String? = nil) -> Journal {
        var journal = Journal(migration: plan.name, plan: planFile.path, planDigest: "", now: MigrationReportTests.start)
        var at = 0.0
        for step in steps {
            var entry = Journal.Entry(step: step.id, title: step.title, phase: step.phase)
            let length = step.id == "move-coral" ? 10.0 : 1.0
            entry.status = .done
            entry.startedAt = MigrationReportTests.start.addingTimeInterval(at)
            entry.endedAt = MigrationReportTests.start.addingTimeInterval(at + length)
            entry.memory = Self.memory[step.id] ?? [:]
            if step.id == "edit-manifests" { entry.memory["commit"] = commit }
            at += length
            journal.entries.append(entry)
            if step.id == last { break }
        }
        journal.status = last == nil ? .completed : .running
        journal.targetAccess = "guest-agent"
        journal.updatedAt = MigrationReportTests.start.addingTimeInterval(at)
        return journal
    }

    static let memory: [String: [String: String]] = [
        "retain-volumes": ["pv.frigate-config": "pvc-old-config", "policy.frigate-config": "Delete",
                           "pv.frigate-media": "pvc-old-media", "policy.frigate-media": "Delete"],
        "scale-down": ["replicas": "1"],
        "remove-passthrough-coral": ["lines": "usb0=host=1a6e:089a,usb3=1\nusb1=host=18d1:9302,usb3=1"],
        "unlabel-source": ["before": "usb"],
        "add-passthrough-coral": ["keys": "usb1,usb2"],
        "reboot-target": ["rebootRequested": "UPID:still-fawn:0001:qmreboot:108:root@pam:"],
        "final-copy": ["verified.frigate-config": "42", "verified.frigate-media": "7"],
        "switch": ["oldPV.frigate-config": "pvc-old-config", "newPV.frigate-config": "pvc-new-config",
                   "switched.frigate-config": "pvc-new-config", "newPolicy.frigate-config": "Delete",
                   "original.frigate-config": #"{"metadata":{"name":"frigate-config"}}"#,
                   "oldPV.frigate-media": "pvc-old-media", "newPV.frigate-media": "pvc-new-media",
                   "switched.frigate-media": "pvc-new-media"],
        "label-target": ["before": ""],
    ]

    /// A clone with the deployment on pumped-piglet, then the migration's commit moving it.
    private static func makeClone(_ clone: URL, scratch: URL) async throws -> String {
        let file = clone.appendingPathComponent("apps/frigate/deployment.yaml")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        func git(_ arguments: [String]) async throws -> String {
            let result = try await TestProcess.run(
                "/usr/bin/git", ["-C", clone.path, "-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments, scratch: scratch)
            try #require(result.status == 0, "git \(arguments): \(result.stderr)")
            return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try await git(["init", "--quiet", "-b", "main"])
        let manifest = "spec:\n  template:\n    spec:\n      nodeSelector:\n        kubernetes.io/hostname: HOST\n"
        try Data(manifest.replacingOccurrences(of: "HOST", with: "k3s-vm-pumped-piglet-gpu").utf8).write(to: file)
        _ = try await git(["add", "."])
        _ = try await git(["commit", "--quiet", "-m", "frigate on pumped-piglet"])
        try Data(manifest.replacingOccurrences(of: "HOST", with: "k3s-vm-still-fawn").utf8).write(to: file)
        _ = try await git(["commit", "--quiet", "-am", "frigate: move to k3s-vm-still-fawn (ferry)"])
        return try await git(["rev-parse", "HEAD"])
    }
}
