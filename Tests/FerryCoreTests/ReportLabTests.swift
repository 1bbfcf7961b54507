import FerryCore
import FerryJSON
import FerryLab
import FerryTestSupport
import Foundation
import Testing

/// `ferry report` and `ferry scripts` after a real migration in the lab: a push the
/// remote refuses stops the run, it is resumed once pushes work again, and then rolled
/// back; after each, the report says what a person needs to know, and never the
/// lab's Proxmox token.
@Suite(.serialized) struct ReportLabTests {
    @Test func theReportOfARunThatFailedWasResumedAndRolledBack() async throws {
        try await PreflightLab.with { lab in
            let planFile = lab.directory.appendingPathComponent("migration.yaml")
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            try Data(plan.yaml.utf8).write(to: planFile)
            let environment = MigrationEnvironment(plan: plan, planFile: planFile, connections: lab.connections, pollInterval: .milliseconds(50))
            let steps = MigrationSteps.make(environment)
            let hands = LabHands(homelab: lab.homelab)
            let store = JournalStore.beside(plan: planFile)
            let runner = Runner(store: store, observer: hands)
            let controller = LabController(lab: lab.lab, directory: lab.directory, scenario: "frigate-coral")
            let token = try #require(try ConnectionSettings.readEnvironmentFile(lab.directory.appendingPathComponent("proxmox.env"))["PROXMOX_VE_API_TOKEN"])
            func report() async throws -> String {
                let text = try await MigrationReport.make(plan: plan, planFile: planFile, planText: plan.yaml, journal: try store.load(plan.name)).markdown()
                #expect(!text.contains(token), "the report holds the Proxmox token")
                #expect(!text.contains(String(token.split(separator: "=").last ?? "")), "the report holds the token's secret")
                return text
            }

            // The push is refused: the run stops at edit-manifests.
            _ = try await controller.setFault(.init(name: "push-rejected", on: true))
            await #expect(throws: (any Error).self) {
                try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            }
            let failed = try await report()
            #expect(failed.contains("# Migration \(plan.name): failed"))
            #expect(failed.contains("Failed at step edit-manifests"))
            #expect(failed.contains("Next: Fix what the error says, then `ferry resume \(planFile.path)`"))

            // Pushes work again; resume finishes the migration.
            _ = try await controller.setFault(.init(name: "push-rejected", on: false))
            let journal = try await runner.resume(steps, migration: plan.name, planText: plan.yaml)
            #expect(journal.status == .completed)
            let completed = try await report()
            for step in steps { #expect(completed.contains("(`\(step.id)`)"), "the timeline lacks \(step.id)") }
            #expect(completed.contains(#/\| `edit-manifests` \| failed at \d\d:\d\d:\d\d: cannot push to origin main[^|]*\| done at \d\d:\d\d:\d\d after `ferry resume` \|/#), "\(completed)")
            #expect(completed.contains("- From the scale-down ("))
            let commit = try #require(journal.commit?.id)
            #expect(completed.contains("git show \(commit)"))
            #expect(completed.contains(#/\n\+\s+kubernetes\.io/hostname: k3s-vm-still-fawn/#), "the commit's diff")
            #expect(completed.contains("resumed at"), "Flux resumed")
            #expect(completed.contains("| `frigate-config` | move | `pvc-"), "the volumes with their PVs")

            // The rollback: what it undid, the revert.
            let rolledBack = try await runner.rollback(steps, migration: plan.name)
            #expect(rolledBack.status == .rolledBack)
            let undone = try await report()
            #expect(undone.contains("Rolled back: frigate/frigate runs on k3s-vm-pumped-piglet-gpu again."))
            #expect(undone.contains("The rollback undid, in this order:\n\n1. "))
            #expect(undone.contains("reverted by `"))
            #expect(undone.contains("by ferry rollback"), "Flux resumed by the rollback")

            // The scripts from the same plan: the manifest edits as a patch of the lab's clone.
            let (patch, problem) = await MigrationScripts.patch(plan, planFile: planFile)
            #expect(problem == nil)
            #expect(patch?.contains(#/\n\+\s+kubernetes\.io/hostname: k3s-vm-still-fawn/#) == true, "\(patch ?? "")")
        }
    }
}
