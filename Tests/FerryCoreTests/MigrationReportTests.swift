import FerryCore
import FerryJSON
import FerryTestSupport
import Foundation
import Testing

/// `ferry report` on journals built here, as a completed run, a run that failed and
/// was resumed, a run that failed and stayed so, and a rollback leave them: what a
/// reader looks for in each (every step, the downtime, the commit and its diff, the
/// failure and how it was fixed, what was undone), with no lab.
@Suite struct MigrationReportTests {
    /// 10:00:00 UTC on a fixed day; the journals' steps are seconds after it.
    static let start = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400) + 36_000)

    @Test func aCompletedRunListsEveryStepTheDowntimeAndTheCommitWithItsDiff() async throws {
        try await ReportFixture.with { fixture in
            let journal = fixture.completedJournal()
            let report = try await fixture.report(journal)
            let text = report.markdown(timeZone: .gmt)
            #expect(text.hasPrefix("# Migration frigate-piglet-to-fawn: completed"))
            for step in fixture.steps { #expect(text.contains("(`\(step.id)`)"), "the timeline lacks \(step.id)") }
            #expect(text.contains("| 10:00:00 | Pre-flight"))
            #expect(text.contains("Completed: frigate/frigate runs on k3s-vm-still-fawn."))
            // Scale-down at 10:00:05, Ready at 10:00:29, the move 10 s of it.
            #expect(text.contains("**24.0 s**"), "\(text)")
            #expect(text.contains("The wait for the person at the physical move: 10.0 s"))
            #expect(text.contains("git show \(fixture.commit)"))
            #expect(text.contains("```diff"))
            #expect(text.contains("+        kubernetes.io/hostname: k3s-vm-still-fawn"), "the commit's patch")
            #expect(text.contains("qm set 105 --delete usb0   (on pumped-piglet; it was usb0: host=1a6e:089a,usb3=1)"))
            #expect(text.contains("qm set 108 --usb2 host=18d1:9302,usb3=1   (on still-fawn)"))
            #expect(text.contains("kubectl patch pv pvc-old-config -p"))
            #expect(text.contains("| `frigate-config` | move | `pvc-old-config` (was Delete) | `pvc-new-config` | 42 |"))
            #expect(text.contains("suspended at 10:00:03"), "after pre-flight and the driver's preinstall")
            #expect(text.contains("resumed at 10:00:29 by ferry run (resume-flux)"))
            #expect(text.contains("No step failed."))
            #expect(!text.contains(#"{"metadata":{"name":"frigate-config"}}"#), "the claim the switch journaled is not printed")
        }
    }

    @Test func aFailureFixedByResumeSaysWhenItFailedAndWhenItWasDone() async throws {
        try await ReportFixture.with { fixture in
            var journal = fixture.completedJournal()
            journal.modify("edit-manifests") {
                $0.failures = ["cannot push to origin main: rejected\n  fix: git pull --rebase && git push; then `ferry resume`"]
                $0.failedAt = [MigrationReportTests.start.addingTimeInterval(19)]
                $0.startedAt = MigrationReportTests.start.addingTimeInterval(80)
                $0.endedAt = MigrationReportTests.start.addingTimeInterval(81)
            }
            let text = try await fixture.report(journal).markdown(timeZone: .gmt)
            #expect(text.contains("### What went wrong and how it ended"))
            #expect(text.contains("| `edit-manifests` | failed at 10:00:19: cannot push to origin main: rejected; fix: git pull --rebase && git push; then `ferry resume` | done at 10:01:21 after `ferry resume` |"), "\(text)")
        }
    }

    @Test func aFailedRunSaysWhereItStoppedAndWhatToDoNext() async throws {
        try await ReportFixture.with { fixture in
            var journal = fixture.completedJournal(through: "reboot-target")
            journal.status = .failed
            journal.modify("reboot-target") {
                $0.status = .failed
                $0.error = "VM 108 did not finish rebooting: timeout\n  fix: look at VM 108 on still-fawn"
                $0.failures = [$0.error!]
                $0.failedAt = [$0.endedAt!]
            }
            let report = try await fixture.report(journal)
            let text = report.markdown(timeZone: .gmt)
            #expect(text.contains("Failed at step reboot-target (Bring coral into VM 108 (k3s-vm-still-fawn): hot-plug or reboot)."))
            #expect(text.contains("VM 108 did not finish rebooting: timeout"))
            #expect(text.contains("Next: Fix what the error says, then `ferry resume \(fixture.planFile.path)`"))
            #expect(text.contains("still failed: fix it, then `ferry resume`"))
            #expect(text.contains("|  | Wait for frigate Ready on k3s-vm-still-fawn (`wait-ready`) |  | not reached |"))
            #expect(text.contains("there is no downtime to give yet"))
            #expect(text.contains("```diff"), "the GitOps lane committed beside the device's steps, before the reboot")
            #expect(report.document["outcome"]["failedStep"].stringValue == "reboot-target")
        }
    }

    @Test func aRollbackSaysWhatItUndidAndTheRevert() async throws {
        try await ReportFixture.with { fixture in
            var journal = fixture.completedJournal()
            journal.status = .rolledBack
            var at = MigrationReportTests.start.addingTimeInterval(100)
            for entry in journal.entries.reversed() where entry.status == .done {
                journal.modify(entry.step) {
                    $0.status = .undone
                    $0.undoStartedAt = at
                    $0.undoEndedAt = at.addingTimeInterval(1)
                }
                at = at.addingTimeInterval(1)
            }
            journal.modify("edit-manifests") { $0.memory["revert"] = "0123456789abcdef0123456789abcdef01234567" }
            let text = try await fixture.report(journal).markdown(timeZone: .gmt)
            #expect(text.contains("Rolled back: frigate/frigate runs on k3s-vm-pumped-piglet-gpu again."))
            #expect(text.contains("The rollback undid, in this order:\n\n1. \(fixture.steps.last!.title)"), "\(text)")
            #expect(text.contains("(`suspend-flux`; undone by the rollback)"))
            #expect(text.contains("reverted by `0123456789abcdef0123456789abcdef01234567` in the rollback"))
            #expect(text.contains("resumed at 10:02:0"), "Flux resumed by the rollback")
            #expect(text.contains("by ferry rollback"))
            #expect(text.contains("back on its original PV pvc-old-config on k3s-vm-pumped-piglet-gpu (rollback)"))
        }
    }

    @Test func withoutTheCloneTheReportSaysWhereToSeeTheCommit() async throws {
        try await ReportFixture.with { fixture in
            try FileManager.default.removeItem(at: fixture.clone)
            let text = try await fixture.report(fixture.completedJournal()).markdown(timeZone: .gmt)
            #expect(text.contains("is not on this machine: `git -C CLONE show --stat --patch \(fixture.commit)` shows it where the clone is"))
        }
    }

    @Test func theJSONDocumentIsAMigrationReport() async throws {
        try await ReportFixture.with { fixture in
            let document = try await fixture.report(fixture.completedJournal()).document
            #expect(document["apiVersion"].stringValue == "ferry.dev/v1")
            #expect(document["kind"].stringValue == "MigrationReport")
            #expect(document["timeline"].arrayValue?.count == fixture.steps.count)
            #expect(document["downtime"]["seconds"].doubleValue == 24)
            #expect(document["commit"]["id"].stringValue == fixture.commit)
            #expect(document["commit"]["diff"].stringValue?.contains("k3s-vm-still-fawn") == true)
            #expect(try JSON.parse(Data(document.pretty.utf8))["kind"].stringValue == "MigrationReport")
        }
    }
}

extension Journal {
    mutating func modify(_ step: String, _ change: (inout Journal.Entry) -> Void) {
        guard let index = entries.firstIndex(where: { $0.step == step }) else { return }
        change(&entries[index])
    }
}
