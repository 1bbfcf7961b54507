import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// The fault matrix: every fault the lab can switch on (`ferry lab fault`), struck
/// during the reference migration. A run either rides the fault out (retries, the
/// other way into a VM) or stops at the step the fault breaks, saying what is wrong;
/// once the fault is gone (and the person did what the message says), `ferry resume`
/// ends the migration as an uninterrupted run does: Frigate Ready on still-fawn with
/// the Coral, nothing of ferry's left in the cluster.
///
/// The helper pods' own failures (a receiver killed, a full disk, an image without
/// rsync or one the nodes cannot pull, an rsync that fails on a file) are in
/// VolumeMoveTests; kill -9 in every wait is in the end-to-end KillResumeTests.
@Suite(.serialized) struct FaultMatrixTests {
    static let target = "k3s-vm-still-fawn"

    /// One row: a fault, and what the run does with it on.
    struct Row: Sendable, CustomTestStringConvertible {
        var fault: LabControlFault
        var testDescription: String { fault.rawValue }

        /// The fault as `ferry lab fault NAME on|off` sends it.
        func request(on: Bool) -> LabControlRequest.Fault {
            switch fault {
            // SSH to the target VM is refused in the scenario already: the source VM's
            // goes too, and both are reached through the guest agent.
            case .sshRefused: .init(name: fault.rawValue, on: on, target: "k3s-vm-pumped-piglet-gpu")
            // With SSH refused too, nothing reaches the target VM.
            case .guestAgentAbsent: .init(name: fault.rawValue, on: on, target: "108")
            case .apiErrors: .init(name: fault.rawValue, on: on, value: on ? 0.3 : nil)
            case .apiLatency: .init(name: fault.rawValue, on: on, value: on ? 20 : nil)
            case .rebootHangs: .init(name: fault.rawValue, on: on, target: "108")
            case .pushRejected: .init(name: fault.rawValue, on: on)
            case .deviceMissing: .init(name: fault.rawValue, on: on, target: "coral")
            }
        }

        /// What the run does with the fault on.
        enum Outcome {
            case ridesOut
            /// Stops at this step, its message holding these words.
            case stops(at: String, saying: [String])
            /// Rides it out, or stops at a request that is not safe to send twice (a
            /// POST that reboots a VM or runs a command in it), saying this.
            case mayStop(saying: [String])
        }

        var outcome: Outcome {
            switch fault {
            case .sshRefused, .apiLatency: .ridesOut
            case .apiErrors: .mayStop(saying: ["a server error, not a credential one"])
            case .guestAgentAbsent: .stops(at: "verify-vm-coral", saying: ["guest agent is not running"])
            case .rebootHangs: .stops(at: "reboot-target", saying: ["did not answer within 20s of its reboot", "if it hangs in its boot, `qm reset 108`"])
            case .pushRejected: .stops(at: "edit-manifests", saying: ["cannot push to origin main"])
            case .deviceMissing: .stops(at: "move-coral", saying: ["is not on still-fawn", "plug it into still-fawn"])
            }
        }

        /// The step before which the fault is switched on; nil: before the run.
        var strikesBefore: String? {
            switch fault {
            // The agent stops answering mid-run, after pre-flight found it well.
            case .guestAgentAbsent: "verify-vm-coral"
            // The person unplugs the Coral and it never reaches still-fawn.
            case .deviceMissing: "move-coral"
            default: nil
            }
        }
    }

    static let rows = LabControlFault.allCases.map { Row(fault: $0) }

    @Test("a fault during the migration is ridden out, or stops it where resume finishes", arguments: rows)
    func fault(_ row: Row) async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            plan.timeouts.vmBoot = .seconds(20)
            plan.timeouts.deviceMove = .seconds(5)
            var (planFile, steps) = try lab.migration(plan)
            let controller = LabController(lab: lab.lab, directory: lab.directory, scenario: "frigate-coral")
            let strike: @Sendable () async throws -> Void = { _ = try await controller.setFault(row.request(on: true)) }
            if let before = row.strikesBefore {
                steps.insert(FaultStep(id: "strike-\(row.fault.rawValue)", action: strike), at: try #require(steps.firstIndex { $0.id == before }))
            } else {
                try await strike()
            }
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))

            do {
                let journal = try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
                if case .stops = row.outcome { Issue.record("the run rode out a fault that should have stopped it") }
                #expect(journal.status == .completed)
                _ = try await controller.setFault(row.request(on: false))
            } catch {
                let journal = try JournalStore.beside(plan: planFile).load(plan.name)
                let failed = try #require(journal.entries.last { $0.status == .failed }, "\(error)")
                let message = failed.error ?? ""
                let saying: [String]
                switch row.outcome {
                case .ridesOut:
                    Issue.record("the run failed: \(error)")
                    return
                case .stops(let step, let words):
                    #expect(failed.step == step, "\(error)")
                    saying = words
                case .mayStop(let words):
                    saying = words
                }
                for words in saying { #expect(message.contains(words), "\(message)") }

                // The fault gone, and what the message asks for done, resume ends it.
                _ = try await controller.setFault(row.request(on: false))
                switch row.fault {
                case .rebootHangs:
                    // `qm reset`: the VM hangs in its boot until it is stopped and started.
                    _ = try await lab.homelab.stop(108)
                    _ = try await lab.homelab.start(108)
                case .deviceMissing:
                    try await lab.homelab.moveDevice("coral", toHost: "still-fawn")
                default: break
                }
                let resumed = try await runner.resume(steps, migration: plan.name, planText: plan.yaml)
                #expect(resumed.status == .completed)
            }
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == Self.target)
            #expect(after.tpuFound)
            #expect(after.coralHost == "still-fawn")
            #expect(after.kustomizationSuspended == false)
            #expect(after.leftovers.isEmpty, "\(after.leftovers)")
        }
    }
}
