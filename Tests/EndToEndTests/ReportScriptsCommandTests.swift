import FerryCore
import FerryJSON
import Foundation
import Testing

/// The built `ferry report` and `ferry scripts` on a plan and a journal written here:
/// what they print and write, and how they refuse (exit 4 with no journal, 5 for a
/// file or directory they would overwrite).
@Suite struct ReportScriptsCommandTests {
    static let plan = """
        apiVersion: ferry.dev/v1alpha1
        kind: MigrationPlan
        metadata:
          name: frigate-move
        workload:
          namespace: frigate
          name: frigate
        source: {node: k3s-vm-pumped-piglet-gpu, vm: k3s-vm-pumped-piglet-gpu, vmid: 105, host: pumped-piglet}
        target: {node: k3s-vm-still-fawn, vm: k3s-vm-still-fawn, vmid: 108, host: still-fawn}
        devices:
          - name: coral
            type: usb
            ids: [1a6e:089a, 18d1:9302]
            usb3: true
        verify:
          - log: "Frigate's TPU found"

        """

    @Test func reportAndScriptsFromTheBinary() async throws {
        let ferry = try FerryBinary.locate().path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-rs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let planFile = directory.appendingPathComponent("migration.yaml")
        try Data(Self.plan.utf8).write(to: planFile)

        let none = try await ChildProcess.run(ferry, ["report", planFile.path], scratch: directory)
        #expect(none.status == 4)
        #expect(none.stderr.contains("migration frigate-move has no journal at \(directory.path)/.ferry/frigate-move.journal.json: it has not run"), "\(none.stderr)")

        var journal = Journal(migration: "frigate-move", plan: planFile.path, planDigest: "", now: Date())
        var entry = Journal.Entry(step: "preflight", title: "Pre-flight checks", phase: .preflight)
        entry.status = .failed
        entry.startedAt = Date()
        entry.endedAt = Date()
        entry.error = "target node k3s-vm-still-fawn is not Ready"
        entry.failures = [entry.error!]
        entry.failedAt = [Date()]
        journal.entries = [entry]
        journal.status = .failed
        try JournalStore.beside(plan: planFile).save(journal)

        let markdown = try await ChildProcess.run(ferry, ["report", planFile.path], scratch: directory)
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.hasPrefix("# Migration frigate-move: failed"))
        #expect(markdown.stdout.contains("Failed at step preflight (Pre-flight checks)."))
        #expect(markdown.stdout.contains("The plan changed since the run"), "the journal's digest is not the plan's")
        let json = try await ChildProcess.run(ferry, ["report", planFile.path, "-o", "json"], scratch: directory)
        let document = try JSON.parse(Data(json.stdout.utf8))
        #expect(document["kind"].stringValue == "MigrationReport")
        #expect(document["timeline"].arrayValue?.first?["failures"].arrayValue?.count == 1)

        let out = directory.appendingPathComponent("report.md")
        try Data("mine\n".utf8).write(to: out)
        let refused = try await ChildProcess.run(ferry, ["report", planFile.path, "--out", out.path], scratch: directory)
        #expect(refused.status == 5)
        #expect(refused.stderr.contains("\(out.path) exists: choose another file, or add --force to replace it"))
        let forced = try await ChildProcess.run(ferry, ["report", planFile.path, "--out", out.path, "--force"], scratch: directory)
        #expect(forced.status == 0)
        #expect(try String(contentsOf: out, encoding: .utf8).hasPrefix("# Migration frigate-move"))

        let scripts = directory.appendingPathComponent("scripts")
        let wrote = try await ChildProcess.run(ferry, ["scripts", planFile.path, scripts.path], scratch: directory)
        #expect(wrote.status == 0, "\(wrote.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: scripts.path).filter { $0 != ".state" }.sorted()
        #expect(names == ["00-preflight.sh", "10-source.sh", "20-physical-move.sh", "30-target.sh", "40-volumes.sh",
                          "50-gitops.sh", "60-verify.sh", "90-rollback.sh", "README.md"])
        let again = try await ChildProcess.run(ferry, ["scripts", planFile.path, scripts.path], scratch: directory)
        #expect(again.status == 5)
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")
    }
}
