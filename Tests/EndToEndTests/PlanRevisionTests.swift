import FerryJSON
import Foundation
import Testing

/// A plan edited after its migration started: resume continues the plan it started
/// with (taking changes to verify and timeouts only, and saying so), and rollback
/// undoes with the plan the migration ran, whatever the file says now.
@Suite(.serialized) struct PlanRevisionTests {
    @Test("resume refuses a changed source and takes changed timeouts; rollback undoes with the plan it ran, not the edited one")
    func editedPlan() async throws {
        try await RunningLab.with { lab in
            let plan = try await InteractiveRunTests.plan(lab)
            let original = try String(contentsOf: plan, encoding: .utf8)
            let connection = PlanCommandTests.connection(lab)

            // Stopped at the physical move (Ctrl-C), the source already cleaned up.
            let process = try FerryEventProcess(lab.ferry, ["run", plan.path, "--yes", "-o", "json"] + connection, scratch: lab.scratch)
            for await event in process.events where event.event == "waiting" && event.step == "move-coral" {
                process.interrupt()
                break
            }
            #expect(await process.waitForExit() == 130, "\(process.stderr())")

            // Another VM as the source: refused, naming the section, nothing done.
            let otherSource = original.replacingOccurrences(of: "  vmid: 105\n", with: "  vmid: 107\n")
            #expect(otherSource != original, "the plan names VM 105 as its source:\n\(original)")
            try otherSource.write(to: plan, atomically: true, encoding: .utf8)
            let refused = try await lab.ferry(["resume", plan.path, "--yes"] + connection)
            #expect(refused.status == 4, "\(refused.stderr)")
            #expect(refused.stderr.contains("changed since migration") && refused.stderr.contains("(source)"), "\(refused.stderr)")
            #expect(refused.stderr.contains("takes changes to timeouts and verify only"), "\(refused.stderr)")

            // Only a timeout changed: taken, said, and the migration finishes.
            let longerVerify = original.replacing(/\n  verify: [0-9a-z]+\n/, with: "\n  verify: 9m\n")
            #expect(longerVerify != original, "the plan has timeouts.verify:\n\(original)")
            try longerVerify.write(to: plan, atomically: true, encoding: .utf8)
            try await InteractiveRunTests.moveCoral(lab)
            let resumed = try await lab.ferry(["resume", plan.path, "--yes"] + connection)
            #expect(resumed.status == 0, "\(resumed.stderr)\n\(resumed.stdout)")
            #expect(resumed.stderr.contains("Taking the changed timeouts of \(plan.path)"), "\(resumed.stderr)")
            #expect(resumed.stdout.contains(": completed."))

            // The source edited again, then rolled back: the plan it ran is undone; the
            // person moves the Coral back when the rollback asks.
            try longerVerify.replacingOccurrences(of: "  vmid: 105\n", with: "  vmid: 107\n").write(to: plan, atomically: true, encoding: .utf8)
            let rollback = try FerryEventProcess(lab.ferry, ["rollback", plan.path, "--yes", "-o", "json"] + connection, scratch: lab.scratch)
            var moves: [Task<Void, Never>] = []
            var last: FerryEvent?
            for await event in rollback.events {
                last = event
                if event.event == "notice", event.step == "move-coral", event.message?.contains("plug it into pumped-piglet") == true {
                    moves.append(Task {
                        let moved = try? await lab.ferry(["lab", "move-device", "coral", "--to", "pumped-piglet", "--dir", lab.directory.path])
                        #expect(moved?.status == 0, "\(moved?.stderr ?? "")")
                    })
                }
            }
            for move in moves { await move.value }
            #expect(await rollback.waitForExit() == 0, "\(rollback.stderr())")
            #expect(moves.count == 1, "the rollback asked for the Coral on pumped-piglet once")
            #expect(rollback.stderr().contains("changed since the migration started (source): undoing what the migration did, with the plan it ran"),
                    "\(rollback.stderr())")
            #expect(last?.event == "summary" && last?.line.contains("\"status\":\"rolled-back\"") == true, "\(last?.line ?? "")")
            let pods = try await ChildProcess.run(
                Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path, "get", "pods", "-n", "frigate", "-l", "app=frigate", "-o", "json"],
                scratch: lab.scratch)
            let nodes = (try JSON.parse(pods.stdout)["items"].arrayValue ?? []).compactMap { $0["spec"]["nodeName"].stringValue }
            #expect(nodes == ["k3s-vm-pumped-piglet-gpu"], "Frigate is back on its source node: \(nodes)")
        }
    }

    @Test("a second run of the workload's migration, from another directory, is refused naming the first; the Lease goes with the first")
    func oneMigrationAtATime() async throws {
        try await RunningLab.with { lab in
            let plan = try await InteractiveRunTests.plan(lab)
            let elsewhere = lab.scratch.appendingPathComponent("elsewhere", isDirectory: true)
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            let copy = elsewhere.appendingPathComponent("migration.yaml")
            try FileManager.default.copyItem(at: plan, to: copy)
            let connection = PlanCommandTests.connection(lab)

            let first = try FerryEventProcess(lab.ferry, ["run", plan.path, "--yes", "-o", "json"] + connection, scratch: lab.scratch)
            for await event in first.events where event.event == "waiting" && event.step == "move-coral" { break }
            let second = try await lab.ferry(["run", copy.path, "--yes"] + connection)
            #expect(second.status == 4, "\(second.stderr)")
            #expect(second.stderr.contains("is in progress: ferry (pid \(first.process.pid) on "), "\(second.stderr)")
            #expect(second.stderr.contains("holds Lease frigate/ferry-frigate"), "\(second.stderr)")
            let journals = (try? FileManager.default.contentsOfDirectory(atPath: elsewhere.appendingPathComponent(".ferry").path)) ?? []
            #expect(journals.filter { $0.hasSuffix(".json") }.isEmpty, "the refused run started no journal: \(journals)")

            first.interrupt()
            #expect(await first.waitForExit() == 130, "\(first.stderr())")
            let leases = try await ChildProcess.run(
                Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path, "get", "leases", "-n", "frigate", "-o", "name"], scratch: lab.scratch)
            #expect(leases.status == 0 && leases.stdout.isEmpty, "the Lease is released: \(leases.stdout)\(leases.stderr)")
        }
    }
}
