import Foundation
import Testing

@testable import FerryCore

/// Named gates that steps open and wait at, so a test can make two steps meet: a
/// runner that ran them one after the other would leave the first waiting for a gate
/// only the second opens, and the wait fails instead of hanging.
actor Gates {
    private var open: Set<String> = []

    func open(_ gate: String) { open.insert(gate) }

    func wait(_ gate: String, by step: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !open.contains(gate) {
            guard ContinuousClock.now < deadline else { throw StepFailure("\(step) waited in vain for \(gate): the steps did not run at the same time") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// A step that opens gates, waits at gates and fails when the world says so, in the
/// order given, on a lane or beside one.
struct MeetingStep: MigrationStep {
    enum Action: Sendable {
        case open(String), wait(String), failIfTold
        /// Fails unless `step` was applied before this one started.
        case after(String)
        /// Waits until the journal says `step` failed: by then the runner stops.
        case waitForFailure(of: String)
    }

    let name: String
    var lane: StepLane = .main
    var alongside: Set<StepLane> = []
    var actions: [Action] = []
    let world: World
    let gates: Gates
    let store: JournalStore

    var id: String { name }
    var title: String { "Step \(name)" }
    var phase: MigrationPhase { .target }

    func inspect(_ context: StepContext) async throws -> StepState {
        await world.applied.contains(name) ? .done : .pending(reason: "not yet")
    }

    func apply(_ context: StepContext) async throws {
        for action in actions {
            switch action {
            case .open(let gate): await gates.open(gate)
            case .wait(let gate): try await gates.wait(gate, by: name)
            case .failIfTold: if await world.failing.contains(name) { throw StepFailure("\(name) broke", fix: "mend it") }
            case .after(let step): if await !world.applied.contains(step) { throw StepFailure("\(name) ran before \(step) ended", fix: "") }
            case .waitForFailure(let step):
                let deadline = ContinuousClock.now + .seconds(20)
                while (try? store.load("m"))?.entry(step)?.status != .failed {
                    guard ContinuousClock.now < deadline else { throw StepFailure("\(name) waited in vain for \(step) to fail") }
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
        }
        await world.record(name)
    }

    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { [] }
}

/// A main step that asks, when the run reaches it, whether it may run beside the
/// lanes still working, instead of saying so once (`alongside`).
struct AskingStep: MigrationStep {
    let base: MeetingStep
    let besideLanes: Bool

    var id: String { base.id }
    var title: String { base.title }
    var phase: MigrationPhase { base.phase }
    func mayRun(beside lanes: Set<StepLane>) async -> Bool { lanes.isEmpty || besideLanes }
    func inspect(_ context: StepContext) async throws -> StepState { try await base.inspect(context) }
    func apply(_ context: StepContext) async throws { try await base.apply(context) }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { [] }
}

@Suite struct RunnerLaneTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-lanes-\(UUID().uuidString.prefix(8))")
    var store: JournalStore { JournalStore(directory: directory.appendingPathComponent(".ferry")) }
    let world = World()
    let gates = Gates()

    func step(_ name: String, lane: StepLane = .main, alongside: Set<StepLane> = [], _ actions: [MeetingStep.Action] = []) -> MeetingStep {
        MeetingStep(name: name, lane: lane, alongside: alongside, actions: actions, world: world, gates: gates, store: store)
    }

    @Test("a lane's steps run beside the main steps that allow it; the next main step waits for the lane")
    func laneRunsBesideTheStepsThatAllowIt() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let steps: [any MigrationStep] = [
            step("reboot"),
            step("copy", lane: .volumes, [.wait("driver done")]),
            step("switch", lane: .volumes),
            step("driver", alongside: [.volumes], [.open("driver done")]),
            step("resume-flux"),
        ]
        let journal = try await Runner(store: store).run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        #expect(journal.status == .completed)
        #expect(await world.applied == ["reboot", "driver", "copy", "switch", "resume-flux"])
        #expect(journal.entries.allSatisfy { $0.status == .done })
    }

    /// As reboot-target asks Proxmox whether it hot-plugged the device: a step that
    /// will not disturb the lane runs beside it; one that would waits for it to end.
    @Test("a step that asks whether it may run beside a lane runs beside it when it may, after it when not", arguments: [true, false])
    func stepAsksWhetherItMayRunBesideALane(beside: Bool) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let reboot = step("reboot", beside ? [.open("reboot done")] : [.after("switch")])
        let steps: [any MigrationStep] = [
            step("copy", lane: .volumes, beside ? [.wait("reboot done")] : []),
            step("switch", lane: .volumes),
            AskingStep(base: reboot, besideLanes: beside),
            step("resume-flux"),
        ]
        let journal = try await Runner(store: store).run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        #expect(journal.status == .completed)
        #expect(await world.applied == (beside ? ["reboot", "copy", "switch", "resume-flux"] : ["copy", "switch", "reboot", "resume-flux"]))
    }

    @Test("a lane's failure lets the main step in flight end, starts no other, and resume finishes")
    func laneFailureStopsAtTheNextMainStep() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        await world.fail("copy", true)
        let steps: [any MigrationStep] = [
            step("copy", lane: .volumes, [.wait("driver started"), .failIfTold]),
            step("driver", alongside: [.volumes], [.open("driver started"), .waitForFailure(of: "copy")]),
            step("label", alongside: [.volumes]),
            step("resume-flux"),
        ]
        let runner = Runner(store: store)
        await #expect {
            _ = try await runner.run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        } throws: { error in
            "\(error)".contains("step copy (Step copy) failed: copy broke")
        }
        var journal = try store.load("m")
        #expect(journal.status == .failed)
        #expect(journal.entry("copy")?.status == .failed)
        #expect(journal.entry("driver")?.status == .done, "the step in flight ended")
        #expect(journal.entry("label") == nil, "nothing started after the failure")
        #expect(await world.applied == ["driver"])

        await world.fail("copy", false)
        journal = try await runner.resume(steps, migration: "m", planText: "x")
        #expect(journal.status == .completed)
        let applied = await world.applied
        #expect(applied.first == "driver" && applied.last == "resume-flux", "\(applied)")
        #expect(Set(applied) == ["driver", "copy", "label", "resume-flux"] && applied.count == 4, "copy and label side by side, once each")
    }

    @Test("a main step's failure lets the lane's step in flight end and starts none of its others")
    func mainFailureLetsTheLaneStepEnd() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        await world.fail("driver", true)
        let steps: [any MigrationStep] = [
            step("copy", lane: .volumes, [.open("copy started"), .waitForFailure(of: "driver")]),
            step("switch", lane: .volumes),
            step("driver", alongside: [.volumes], [.wait("copy started"), .failIfTold]),
        ]
        await #expect {
            _ = try await Runner(store: store).run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        } throws: { error in
            "\(error)".contains("step driver (Step driver) failed: driver broke")
        }
        let journal = try store.load("m")
        #expect(journal.status == .failed)
        #expect(journal.entry("copy")?.status == .done, "the lane's step in flight ended")
        #expect(journal.entry("switch") == nil)
        #expect(await world.applied == ["copy"])
    }
}
