import FerryJSON
import Foundation
import Testing

/// `ferry run` as a person at an 80-column terminal sees it: the physical move asks,
/// the spinner keeps time, Enter checks, the device's arrival goes on by itself,
/// Ctrl-C stops at once, and nothing a spinner drew is left on the screen.
@Suite(.serialized) struct InteractiveRunTests {
    static func plan(_ lab: RunningLab) async throws -> URL {
        let plan = lab.scratch.appendingPathComponent("migration.yaml")
        let written = try await lab.ferry(
            ["plan", "frigate/frigate", "--to", "k3s-vm-still-fawn", "--repo", lab.file("gitops").path, "--out", plan.path]
                + PlanCommandTests.connection(lab))
        guard written.status == 0 else { throw SetupFailure(description: "ferry plan failed: \(written.stderr)") }
        return plan
    }

    static func commandLine(_ lab: RunningLab, _ arguments: [String]) -> String {
        ([lab.ferry.path] + arguments + PlanCommandTests.connection(lab)).map(Terminal.quote).joined(separator: " ")
    }

    static func moveCoral(_ lab: RunningLab) async throws {
        let moved = try await lab.ferry(["lab", "move-device", "coral", "--to", "still-fawn", "--dir", lab.directory.path])
        #expect(moved.status == 0, "ferry lab move-device: \(moved.stderr)")
    }

    /// The move's notice on screen and the spinner's row at the bottom.
    static func atTheMove(_ terminal: Terminal) async throws -> [String] {
        try await terminal.waitFor("the physical move's notice and its spinner") { rows in
            rows.contains { $0.contains("Unplug coral") } && rows.last?.contains("waiting for coral") == true
        }
    }

    @Test("at the physical move the spinner keeps time, Enter checks and keeps waiting, and the Coral's arrival goes on without a key")
    func physicalMove() async throws {
        try await RunningLab.with { lab in
            let plan = try await Self.plan(lab)
            let terminal = try await Terminal(Self.commandLine(lab, ["run", plan.path]), scratch: lab.scratch)
            do {
                let asked = try await Self.atTheMove(terminal)
                #expect(asked.contains { $0.contains("press Enter to check now") }, "the notice says what Enter does:\n\(asked.joined(separator: "\n"))")
                let spinner = asked.last ?? ""
                try await terminal.waitFor("the spinner's next frame", timeout: .seconds(10)) { rows in
                    rows.last != spinner && rows.last?.contains("waiting for coral") == true
                }

                try await terminal.send("Enter")
                try await terminal.waitFor("the check that Enter asked for") { rows in
                    rows.contains { $0.contains("still-fawn does not list coral") } && rows.last?.contains("waiting for coral") == true
                }

                try await Self.moveCoral(lab)
                let status = try await terminal.ended()
                let history = try await terminal.history()
                #expect(status == 0, "ferry run in a terminal:\n\(history.joined(separator: "\n"))")
                #expect(history.contains { $0.hasPrefix("Migration ") && $0.hasSuffix(": completed.") })
                #expect(history.contains { $0.hasPrefix("  Downtime ") && $0.contains("without the physical move") },
                        "the summary gives the downtime:\n\(history.joined(separator: "\n"))")
                let stale = history.filter { $0.contains("waiting for") }
                #expect(stale.isEmpty, "the spinner's rows are all cleared, none left behind:\n\(stale.joined(separator: "\n"))")
                // A step's line or a warning that does not fit wraps at a word (a step's
                // time after its last word): none runs into the last column to be cut there.
                let full = history.filter { $0.count >= 80 }
                #expect(full.isEmpty, "rows that reach the 80th column:\n\(full.joined(separator: "\n"))")

                // The journal archived, the originals are still found, by their labels.
                let archived = try await lab.ferry(["status", plan.path, "--archive"])
                #expect(archived.status == 0, "\(archived.stderr)")
                let cleanup = try await lab.ferry(["cleanup", plan.path, "--yes"] + PlanCommandTests.connection(lab))
                #expect(cleanup.status == 0, "\(cleanup.stderr)")
                #expect(cleanup.stdout.contains("looking for its volumes by their ferry.dev/migration label"), "\(cleanup.stdout)")
                #expect(cleanup.stdout.contains("kept 2 volume(s)"), "\(cleanup.stdout)")
            } catch {
                await terminal.close()
                throw error
            }
            await terminal.close()
        }
    }

    @Test("Ctrl-C at the physical move stops the run at once (130), and resume finishes it")
    func interruptAtTheMove() async throws {
        try await RunningLab.with { lab in
            let plan = try await Self.plan(lab)
            let terminal = try await Terminal(Self.commandLine(lab, ["run", plan.path]), scratch: lab.scratch)
            do {
                _ = try await Self.atTheMove(terminal)
                try await terminal.send("C-c")
                let status = try await terminal.ended(timeout: .seconds(20))
                let screen = try await terminal.screen()
                #expect(status == 130, "ferry run after Ctrl-C:\n\(screen.joined(separator: "\n"))")
                #expect(screen.contains { $0.contains("Interrupted. `ferry resume") })
            } catch {
                await terminal.close()
                throw error
            }
            await terminal.close()

            try await Self.moveCoral(lab)
            let resumed = try await lab.ferry(["resume", plan.path, "--yes"] + PlanCommandTests.connection(lab))
            #expect(resumed.status == 0, "ferry resume: \(resumed.stderr)\n\(resumed.stdout)")
            #expect(resumed.stdout.contains(": completed."))
        }
    }

    @Test("Ctrl-C during a volume copy ends the run as interrupted (130), with its helper pods removed and the journal saying where it stood")
    func interruptDuringACopy() async throws {
        try await RunningLab.with { lab in
            let plan = try await Self.plan(lab)
            let process = try FerryEventProcess(lab.ferry, ["run", plan.path, "--yes", "-o", "json"] + PlanCommandTests.connection(lab), scratch: lab.scratch)
            var interrupted = false
            for await event in process.events where event.event == "waiting" && event.step == "pre-copy-frigate-config"
                && event.message?.hasPrefix("rsync of") == true {
                process.interrupt()
                interrupted = true
                break
            }
            let status = await process.waitForExit()
            #expect(interrupted, "the run never reached the copy: \(process.stderr())")
            #expect(status == 130, "\(process.stderr())")
            #expect(process.stderr().contains("Interrupted. `ferry resume"), "\(process.stderr())")
            let pods = try await ChildProcess.run(
                Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path, "get", "pods", "-A", "-l", "ferry.dev/role", "-o", "name"],
                scratch: lab.scratch)
            #expect(pods.status == 0 && pods.stdout.isEmpty, "no helper pod is left: \(pods.stdout)\(pods.stderr)")
            let journal = try JSON.parse(try await lab.ferry(["status", plan.path, "-o", "json"]).stdout)
            let copy = journal["entries"].arrayValue?.first { $0["step"] == "pre-copy-frigate-config" }
            #expect(copy?["status"] == "failed")
            #expect(copy?["error"] == "interrupted")
        }
    }
}
