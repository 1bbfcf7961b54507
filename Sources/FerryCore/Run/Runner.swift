import Crypto
import Foundation

/// Runs a migration's steps in order (a lane's beside the main ones, `StepLane`),
/// journaling each before and after, and undoes them in reverse for a rollback.
///
/// Every step is inspected before it is applied, including one that finished in an
/// earlier process: a step that was in flight when ferry was killed is found done or
/// not by looking at the world, never by trusting a half-written record. Only one
/// process drives a migration at a time (`JournalStore.lock`).
public struct Runner: Sendable {
    public let store: JournalStore
    public let observer: any RunObserver
    let now: @Sendable () -> Date

    public init(store: JournalStore, observer: any RunObserver = SilentObserver(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.observer = observer
        self.now = now
    }

    /// Starts a new migration. Refuses when the plan already has a journal: that
    /// migration is resumed, rolled back or archived, never started over by accident.
    public func run(_ steps: [any MigrationStep], migration: String, plan: String, planText: String) async throws -> Journal {
        let lock = try await store.lock(migration)
        defer { withExtendedLifetime(lock) {} }
        if store.exists(migration) {
            let journal = try store.load(migration)
            throw RunnerError.journalExists(migration: migration, status: journal.status, file: store.url(for: migration).path)
        }
        let journal = Journal(migration: migration, plan: plan, planDigest: Self.digest(planText), planText: planText, now: now())
        let recorder = JournalRecorder(journal: journal, store: store, now: now)
        try store.save(journal)
        return try await forward(steps, recorder: recorder)
    }

    /// Continues a migration from its journal: finished steps are skipped, the rest
    /// (the one in flight first) inspected and applied. `planText` must be the plan
    /// the migration runs; with `adopting`, it replaces the journal's (the caller has
    /// found that only what resume may take changed: `PlanRevision.resumable`).
    public func resume(_ steps: [any MigrationStep], migration: String, planText: String, adopting: Bool = false) async throws -> Journal {
        let lock = try await store.lock(migration)
        defer { withExtendedLifetime(lock) {} }
        var journal = try store.load(migration)
        switch journal.status {
        case .completed: throw RunnerError.nothingToResume(migration: migration, status: journal.status)
        case .rollingBack, .rollbackFailed, .rolledBack: throw RunnerError.rollbackStarted(migration: migration)
        case .running, .failed: break
        }
        if journal.planDigest != Self.digest(planText) {
            guard adopting else { throw RunnerError.planChanged(migration: migration, plan: journal.plan) }
            journal.planDigest = Self.digest(planText)
            journal.planText = planText
        }
        let recorder = JournalRecorder(journal: journal, store: store, now: now)
        try await recorder.setStatus(.running)
        return try await forward(steps, recorder: recorder)
    }

    /// Undoes every step this migration changed the world with, last first. Steps
    /// that found the world already as they wanted it are left alone: the label or
    /// config was there before ferry came.
    public func rollback(_ steps: [any MigrationStep], migration: String) async throws -> Journal {
        let lock = try await store.lock(migration)
        defer { withExtendedLifetime(lock) {} }
        let journal = try store.load(migration)
        if journal.status == .rolledBack { throw RunnerError.nothingToResume(migration: migration, status: journal.status) }
        let recorder = JournalRecorder(journal: journal, store: store, now: now)
        let undoing = steps.reversed().filter { step in
            switch journal.entry(step.id)?.status {
            case nil, .alreadyDone?, .undone?: false
            case .started?, .done?, .failed?, .undoing?: true
            }
        }
        var problems: [String] = []
        for step in undoing {
            problems += await step.undoProblems(StepContext(step: step.id, recorder: recorder, observer: observer))
        }
        guard problems.isEmpty else { throw RunnerError.undoBlocked(migration: migration, problems: problems) }
        try await recorder.setStatus(.rollingBack)
        let clock = ContinuousClock()
        var lastPhase: MigrationPhase?
        for step in undoing {
            guard step.undoes else {
                try await recorder.update(step.id) { $0.status = .undone; $0.undoStartedAt = self.now(); $0.undoEndedAt = self.now() }
                continue
            }
            if step.phase != lastPhase {
                observer.event(.phase(step.phase))
                lastPhase = step.phase
            }
            let began = clock.now
            observer.event(.stepStarted(step: step.id, title: "Undo: \(step.title)"))
            try await recorder.update(step.id) { $0.status = .undoing; $0.undoStartedAt = self.now(); $0.undoEndedAt = nil }
            do {
                try await step.undo(StepContext(step: step.id, recorder: recorder, observer: observer))
            } catch {
                if error is CancellationError || Task.isCancelled {
                    try await recorder.update(step.id) { $0.error = "interrupted" }
                    observer.event(.stepFinished(step: step.id, title: "Undo: \(step.title)", outcome: .failed, elapsed: began.duration(to: clock.now), message: "interrupted"))
                    throw CancellationError()
                }
                let message = String(describing: error)
                try await recorder.update(step.id) { $0.error = message; $0.failures.append("undo: \(message)"); $0.failedAt = ($0.failedAt ?? []) + [self.now()] }
                try await recorder.setStatus(.rollbackFailed)
                observer.event(.stepFinished(step: step.id, title: "Undo: \(step.title)", outcome: .failed, elapsed: began.duration(to: clock.now), message: message))
                throw RunnerError.stepFailed(step: step.id, title: "Undo: \(step.title)", underlying: message)
            }
            try await recorder.update(step.id) { $0.status = .undone; $0.error = nil; $0.undoEndedAt = self.now() }
            observer.event(.stepFinished(step: step.id, title: "Undo: \(step.title)", outcome: .undone, elapsed: began.duration(to: clock.now), message: nil))
        }
        try await recorder.setStatus(.rolledBack)
        return await recorder.journal
    }

    private func forward(_ steps: [any MigrationStep], recorder: JournalRecorder) async throws -> Journal {
        let stop = StopFlag()
        let header = PhaseHeader(observer: observer)
        try await withThrowingTaskGroup(of: Void.self) { lanes in
            var running: Set<StepLane> = []
            var index = 0
            do {
                while index < steps.count {
                    let step = steps[index]
                    if step.lane != .main {
                        // A lane runs its steps that follow each other in the list, in order.
                        let lane = Array(steps[index...].prefix { $0.lane == step.lane })
                        running.insert(step.lane)
                        lanes.addTask {
                            for step in lane where await !stop.isSet { try await forward(step, recorder: recorder, stop: stop, header: header) }
                        }
                        index += lane.count
                        continue
                    }
                    let finished = await recorder.journal.entry(step.id)?.status.isFinished == true
                    if !running.isEmpty {
                        // A step the journal has as finished starts nothing: it need not ask.
                        var waits = await stop.isSet
                        if !waits, !finished { waits = await !step.mayRun(beside: running) }
                        if waits {
                            try await Self.drain(&lanes)
                            running = []
                        }
                    }
                    if !finished { await header.emit(step.phase, nil) }
                    try await forward(step, recorder: recorder, stop: stop, header: header)
                    index += 1
                }
            } catch {
                // The lanes' steps in flight end (and are journaled) before the run stops.
                await stop.set()
                try? await Self.drain(&lanes)
                throw error
            }
            try await Self.drain(&lanes)
        }
        try await recorder.setStatus(.completed)
        return await recorder.journal
    }

    /// Waits for every lane and throws the first failure among them.
    private static func drain(_ lanes: inout ThrowingTaskGroup<Void, any Error>) async throws {
        var first: (any Error)?
        while let result = await lanes.nextResult() {
            if case .failure(let error) = result, first == nil { first = error }
        }
        if let first { throw first }
    }

    /// Inspects and applies one step, journaling it before and after; a step an
    /// earlier process finished is skipped. A failure sets `stop` before it is
    /// journaled, so whoever reads the failure finds the other lanes stopping.
    private func forward(_ step: any MigrationStep, recorder: JournalRecorder, stop: StopFlag, header: PhaseHeader) async throws {
        let previous = await recorder.journal.entry(step.id)
        if let previous, previous.status.isFinished { return }
        let clock = ContinuousClock()
        let began = clock.now
        observer.event(.stepStarted(step: step.id, title: step.title))
        try await recorder.update(step) {
            $0.status = .started
            $0.startedAt = self.now()
            $0.endedAt = nil
        }
        let context = StepContext(step: step.id, recorder: recorder, observer: observer)
        let outcome: RunEvent.Outcome
        do {
            switch try await step.inspect(context) {
            case .done:
                // Found done after an earlier attempt began: that attempt did it.
                outcome = previous == nil ? .alreadyDone : .done
            case .blocked(let reason):
                throw StepFailure(reason)
            case .pending:
                try await step.apply(context)
                outcome = .done
            }
        } catch {
            await stop.set()
            // Ctrl-C cancels the run: whatever a wait then threw (a watch that ended
            // early reads as a timeout), the step was interrupted, not failed.
            let interrupted = error is CancellationError || Task.isCancelled
            let message = interrupted ? "interrupted" : String(describing: error)
            try await recorder.update(step.id) {
                $0.status = .failed
                $0.error = message
                $0.failures.append(message)
                $0.endedAt = self.now()
                $0.failedAt = ($0.failedAt ?? []) + [$0.endedAt!]
            }
            try await recorder.setStatus(.failed)
            await header.emit(step.phase, .stepFinished(step: step.id, title: step.title, outcome: .failed, elapsed: began.duration(to: clock.now), message: message))
            if interrupted { throw CancellationError() }
            throw RunnerError.stepFailed(step: step.id, title: step.title, underlying: message)
        }
        try await recorder.update(step.id) {
            $0.status = outcome == .alreadyDone ? .alreadyDone : .done
            $0.error = nil
            $0.endedAt = self.now()
        }
        await header.emit(step.phase, .stepFinished(step: step.id, title: step.title, outcome: outcome, elapsed: began.duration(to: clock.now), message: nil))
    }

    /// SHA-256 of a plan's text, as the journal records it.
    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The phase whose header was shown last. A step's line goes under its own phase:
/// a lane's step that ends among the main steps of another phase gets its header
/// again (`==> Volumes` for the final copy while the GitOps steps run), and the next
/// main step's line gets its own back.
actor PhaseHeader {
    private let observer: any RunObserver
    private var current: MigrationPhase?

    init(observer: any RunObserver) { self.observer = observer }

    /// The header when `phase` is not the current one, then `event`, with no other
    /// lane's event between them.
    func emit(_ phase: MigrationPhase, _ event: RunEvent?) {
        if phase != current {
            current = phase
            observer.event(.phase(phase))
        }
        if let event { observer.event(event) }
    }
}

public enum RunnerError: Error, Sendable, CustomStringConvertible {
    case journalExists(migration: String, status: Journal.Status, file: String)
    case nothingToResume(migration: String, status: Journal.Status)
    case rollbackStarted(migration: String)
    case planChanged(migration: String, plan: String)
    case stepFailed(step: String, title: String, underlying: String)
    /// A rollback that could not bring everything back, refused before its first change.
    case undoBlocked(migration: String, problems: [String])

    public var description: String {
        switch self {
        case .journalExists(let migration, let status, let file):
            switch status {
            case .completed, .rolledBack:
                "migration \(migration) already ran (\(status.rawValue)); its journal is \(file). "
                    + "See it with `ferry status`; to run the plan again, move the journal aside with `ferry status --archive`."
            default:
                "migration \(migration) has already started (\(status.rawValue), journal \(file)): "
                    + "continue it with `ferry resume`, undo it with `ferry rollback`, or see where it stands with `ferry status`."
            }
        case .nothingToResume(let migration, let status):
            "migration \(migration) is \(status.rawValue): there is nothing left to do."
        case .rollbackStarted(let migration):
            "a rollback of migration \(migration) has started: finish it with `ferry rollback`."
        case .planChanged(let migration, let plan):
            "the plan \(plan) changed since migration \(migration) started: restore the plan it started with, "
                + "or undo the migration with `ferry rollback` and start again."
        case .stepFailed(let step, let title, let underlying):
            "step \(step) (\(title)) failed: \(underlying)"
        case .undoBlocked(let migration, let problems):
            "a rollback of migration \(migration) cannot bring everything back, so it changed nothing:\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}

/// Set by the first failure on any lane: the others start no step after it.
private actor StopFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
