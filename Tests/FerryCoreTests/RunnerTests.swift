import Foundation
import Testing

@testable import FerryCore

/// A tiny world of named integers that steps change, so the runner's bookkeeping can
/// be watched without a lab.
actor World {
    var values: [String: Int] = [:]
    var applied: [String] = []
    var failing: Set<String> = []

    func set(_ key: String, _ value: Int?) { values[key] = value }
    func fail(_ key: String, _ on: Bool) { if on { failing.insert(key) } else { failing.remove(key) } }
    func record(_ step: String) { applied.append(step) }
}

/// Sets `key` to `target`, remembering the old value for undo.
struct SetStep: MigrationStep {
    let key: String
    let target: Int
    let world: World
    var id: String { "set-\(key)" }
    var title: String { "Set \(key) to \(target)" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        await world.values[key] == target ? .done : .pending(reason: "\(key) is not \(target)")
    }

    func apply(_ context: StepContext) async throws {
        if await context.recall("old") == nil {
            try await context.remember("old", (await world.values[key]).map(String.init) ?? "none")
        }
        if await world.failing.contains(key) { throw StepFailure("\(key) refused", fix: "let it") }
        await world.set(key, target)
        await world.record(id)
    }

    func undo(_ context: StepContext) async throws {
        guard let old = await context.recall("old") else { return }
        await world.set(key, Int(old))
    }

    func describe() -> [String] { ["set \(key)=\(target)"] }
}

final class EventLog: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [RunEvent] = []
    func event(_ event: RunEvent) { lock.withLock { events.append(event) } }
    var all: [RunEvent] { lock.withLock { events } }
    var finished: [(String, RunEvent.Outcome)] {
        lock.withLock {
            events.compactMap { if case .stepFinished(let step, _, let outcome, _, _) = $0 { (step, outcome) } else { nil } }
        }
    }
}

@Suite struct RunnerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-runner-\(UUID().uuidString.prefix(8))")
    var store: JournalStore { JournalStore(directory: directory.appendingPathComponent(".ferry")) }

    func steps(_ world: World) -> [any MigrationStep] {
        [SetStep(key: "a", target: 1, world: world), SetStep(key: "b", target: 2, world: world), SetStep(key: "c", target: 3, world: world)]
    }

    @Test func runAppliesEveryStepInOrderAndJournalsThem() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        await world.set("b", 2)  // already so before ferry came
        let log = EventLog()
        let journal = try await Runner(store: store, observer: log).run(steps(world), migration: "m", plan: "plan.yaml", planText: "x")
        #expect(journal.status == .completed)
        #expect(journal.entries.map(\.status) == [.done, .alreadyDone, .done])
        #expect(await world.applied == ["set-a", "set-c"])
        #expect(log.finished.map(\.1) == [.done, .alreadyDone, .done])
        let attributes = try FileManager.default.attributesOfItem(atPath: store.url(for: "m").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try store.load("m")
        #expect(loaded.status == .completed)
        #expect(loaded.entries.map(\.step) == ["set-a", "set-b", "set-c"])
        #expect(loaded.entries.map(\.memory) == journal.entries.map(\.memory))
    }

    @Test func aFailureStopsTheRunAndResumeContinuesWithoutRepeatingFinishedSteps() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        await world.fail("b", true)
        let runner = Runner(store: store)
        await #expect(throws: RunnerError.self) {
            _ = try await runner.run(steps(world), migration: "m", plan: "plan.yaml", planText: "x")
        }
        var journal = try store.load("m")
        #expect(journal.status == .failed)
        #expect(journal.entry("set-b")?.error?.contains("b refused") == true)
        #expect(journal.entry("set-b")?.memory["old"] == "none", "remembered before the change failed")
        #expect(journal.entry("set-c") == nil)

        await #expect(throws: RunnerError.self) {
            _ = try await runner.run(steps(world), migration: "m", plan: "plan.yaml", planText: "x")
        }
        await world.fail("b", false)
        journal = try await runner.resume(steps(world), migration: "m", planText: "x")
        #expect(journal.status == .completed)
        #expect(await world.applied == ["set-a", "set-b", "set-c"])
        #expect(journal.entry("set-b")?.failures.count == 1)
    }

    @Test func aStepFoundDoneAfterAnInterruptedAttemptCountsAsDoneByFerry() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        var journal = Journal(migration: "m", plan: "plan.yaml", planDigest: Runner.digest("x"), now: Date())
        let a = SetStep(key: "a", target: 1, world: world)
        journal.update(a) { $0.status = .started; $0.memory["old"] = "none" }  // killed after the change, before the record
        journal.status = .running
        try store.save(journal)
        await world.set("a", 1)

        journal = try await Runner(store: store).resume(steps(world), migration: "m", planText: "x")
        #expect(journal.entry("set-a")?.status == .done)
        #expect(await world.applied == ["set-b", "set-c"])

        journal = try await Runner(store: store).rollback(steps(world), migration: "m")
        #expect(journal.status == .rolledBack)
        #expect(await world.values["a"] == nil, "the interrupted step is undone too")
    }

    @Test func rollbackUndoesLastFirstAndLeavesWhatWasAlreadySo() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        await world.set("a", 7)
        await world.set("b", 2)
        let log = EventLog()
        let runner = Runner(store: store, observer: log)
        _ = try await runner.run(steps(world), migration: "m", plan: "plan.yaml", planText: "x")
        let journal = try await runner.rollback(steps(world), migration: "m")
        #expect(journal.status == .rolledBack)
        #expect(await world.values == ["a": 7, "b": 2])
        #expect(log.finished.suffix(2).map(\.0) == ["set-c", "set-a"])
        await #expect(throws: RunnerError.self) { _ = try await runner.resume(steps(world), migration: "m", planText: "x") }
    }

    /// A check's undo changes nothing: the rollback marks it undone with no line, so
    /// the screen lists only what was put back.
    @Test func rollbackShowsOnlyStepsWhoseUndoChangesSomething() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        let log = EventLog()
        let runner = Runner(store: store, observer: log)
        let steps = steps(world) + [CheckOnly(id: "verify-log")]
        _ = try await runner.run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        let ran = log.finished.count
        let journal = try await runner.rollback(steps, migration: "m")
        #expect(log.finished.dropFirst(ran).map(\.0) == ["set-c", "set-b", "set-a"])
        #expect(journal.entry("verify-log")?.status == .undone)
    }

    /// What a rollback refuses to start: a step whose undo could not bring back what it needs.
    @Test func rollbackRefusedBeforeItsFirstChangeWhenAnUndoCannotWork() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        let runner = Runner(store: store)
        let steps = [CheckOnly(id: "gone", problem: "the original is gone: keep it where it is")] + steps(world)
        _ = try await runner.run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        await #expect {
            _ = try await runner.rollback(steps, migration: "m")
        } throws: { error in
            "\(error)" == "a rollback of migration m cannot bring everything back, so it changed nothing:\n  - the original is gone: keep it where it is"
        }
        #expect(await world.values == ["a": 1, "b": 2, "c": 3], "nothing undone")
        #expect(try store.load("m").status == .completed)
    }

    /// The volumes' lane ends its steps among the main steps of other phases: each
    /// finished line still comes under its own phase's header.
    @Test func everyFinishedStepComesUnderItsOwnPhase() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        let log = EventLog()
        let steps: [any MigrationStep] = [
            Phased(step: SetStep(key: "a", target: 1, world: world), phase: .source, lane: .main),
            Phased(step: SetStep(key: "copy", target: 1, world: world), phase: .volumes, lane: .volumes),
            Phased(step: SetStep(key: "b", target: 2, world: world), phase: .target, lane: .main, alongside: [.volumes]),
            Phased(step: SetStep(key: "c", target: 3, world: world), phase: .gitops, lane: .main, alongside: [.volumes]),
        ]
        _ = try await Runner(store: store, observer: log).run(steps, migration: "m", plan: "plan.yaml", planText: "x")
        var header: MigrationPhase?
        var placed: [String: MigrationPhase] = [:]
        for event in log.all {
            if case .phase(let phase) = event { header = phase }
            if case .stepFinished(let step, _, _, _, _) = event { placed[step] = header }
        }
        #expect(placed == ["set-a": .source, "set-copy": .volumes, "set-b": .target, "set-c": .gitops])
    }

    @Test func resumeRefusesAPlanThatChanged() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = World()
        await world.fail("a", true)
        let runner = Runner(store: store)
        _ = try? await runner.run(steps(world), migration: "m", plan: "plan.yaml", planText: "x")
        await #expect {
            _ = try await runner.resume(steps(world), migration: "m", planText: "y")
        } throws: { error in
            String(describing: error).contains("changed since migration m started")
        }
    }

    @Test func oneProcessAtATime() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let held = try await store.lock("m")
        await #expect {
            _ = try await store.lock("m", patience: .milliseconds(100))
        } throws: { error in
            String(describing: error).contains("this process is working on migration m")
        }
        withExtendedLifetime(held) {}
    }

    /// A lock let go while another waits for it is taken, not refused.
    @Test func aLockLetGoIsTaken() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var held: MigrationLock? = try await store.lock("m")
        let waiter = Task { try await store.lock("m", patience: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        held = nil
        _ = try await waiter.value
        withExtendedLifetime(held) {}
    }
}

/// A step that only looks (a check, a wait): nothing for its undo to change; it may
/// name an undo problem.
struct CheckOnly: MigrationStep {
    let id: String
    var problem: String?
    var title: String { "Check \(id)" }
    var phase: MigrationPhase { .source }
    var undoes: Bool { false }
    func inspect(_ context: StepContext) async throws -> StepState { .pending(reason: "not checked yet") }
    func apply(_ context: StepContext) async throws {}
    func undo(_ context: StepContext) async throws {}
    func undoProblems(_ context: StepContext) async -> [String] { problem.map { [$0] } ?? [] }
    func describe() -> [String] { [] }
}

/// A step moved to another phase and lane, as the volumes' steps run beside the main ones.
struct Phased: MigrationStep {
    let step: any MigrationStep
    let phase: MigrationPhase
    let lane: StepLane
    var alongside: Set<StepLane> = []
    var id: String { step.id }
    var title: String { step.title }
    func inspect(_ context: StepContext) async throws -> StepState { try await step.inspect(context) }
    func apply(_ context: StepContext) async throws { try await step.apply(context) }
    func undo(_ context: StepContext) async throws { try await step.undo(context) }
    func describe() -> [String] { step.describe() }
}
