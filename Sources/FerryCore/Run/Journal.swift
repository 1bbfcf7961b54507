import Foundation

/// The record of one migration, kept beside the plan (`.ferry/NAME.journal.json`):
/// what ran, when, how it ended, and what each step needs to be undone.
///
/// It is what makes `ferry resume`, `ferry status`, `ferry rollback` and `ferry report`
/// possible after the process that ran the migration is gone, so it is written
/// before and after every step. It never holds a secret: steps remember names,
/// counts, config lines and commit ids, never credentials or Secret values.
public struct Journal: Codable, Sendable, Equatable {
    public static let formatVersion = 1

    public enum Status: String, Codable, Sendable {
        /// A run or resume is in progress, or was killed while in progress.
        case running
        /// A step failed; `ferry resume` continues, `ferry rollback` undoes.
        case failed
        case completed
        case rollingBack = "rolling-back"
        /// A rollback stopped on a step it could not undo.
        case rollbackFailed = "rollback-failed"
        case rolledBack = "rolled-back"

        /// A rollback began: times and outcomes are the undo's, not the run's.
        public var isRollback: Bool { self == .rollingBack || self == .rollbackFailed || self == .rolledBack }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable {
            /// Started and not finished: in flight, or killed. Inspected again on resume.
            case started
            case done
            /// Nothing to do: inspect found the world already so.
            case alreadyDone = "already-done"
            case failed
            case undoing
            case undone
        }

        public var step: String
        public var title: String
        public var phase: MigrationPhase
        public var status: Status
        public var startedAt: Date?
        public var endedAt: Date?
        /// When a rollback undid it: kept apart from the run's times, so each says what
        /// it took (a rollback's summary is not the time since the run began).
        public var undoStartedAt: Date?
        public var undoEndedAt: Date?
        /// How VM commands ran (`ssh` or `guest-agent`), when the step ran any.
        public var method: String?
        /// The last failure's message and fix, for `status` and the report.
        public var error: String?
        /// What `undo` needs, written by the step before it changes anything.
        public var memory: [String: String]
        /// Every attempt that failed before, so the report tells how it was fixed.
        public var failures: [String]
        /// When each of `failures` happened, in the same order. Optional, so journals
        /// written before it was recorded still read (their failures have no time).
        public var failedAt: [Date]?

        public init(step: String, title: String, phase: MigrationPhase) {
            self.step = step
            self.title = title
            self.phase = phase
            self.status = .started
            self.memory = [:]
            self.failures = []
        }
    }

    public var version = Journal.formatVersion
    public var migration: String
    /// The plan file's path, as the user gave it.
    public var plan: String
    /// SHA-256 of the plan's text: resume refuses a plan that changed under it.
    public var planDigest: String
    /// The plan's text as the migration started with it (or as resume took it): what
    /// `resume` continues and `rollback` undoes, whatever the file says later. Nil in
    /// journals written before ferry kept it.
    public var planText: String?
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date
    /// How the target VM was reached in pre-flight, and so how the run reaches it.
    public var targetAccess: String?
    public var entries: [Entry]

    public init(migration: String, plan: String, planDigest: String, planText: String? = nil, now: Date) {
        self.migration = migration
        self.plan = plan
        self.planDigest = planDigest
        self.planText = planText
        self.status = .running
        self.createdAt = now
        self.updatedAt = now
        self.entries = []
    }

    public func entry(_ step: String) -> Entry? {
        entries.first { $0.step == step }
    }

    /// The entry for `step`, created when absent.
    mutating func update(_ step: any MigrationStep, _ change: (inout Entry) -> Void) {
        if let index = entries.firstIndex(where: { $0.step == step.id }) {
            change(&entries[index])
        } else {
            var entry = Entry(step: step.id, title: step.title, phase: step.phase)
            change(&entry)
            entries.append(entry)
        }
    }
}

extension Journal.Entry.Status {
    /// Whether the world was changed (or found) as the step leaves it.
    public var isFinished: Bool { self == .done || self == .alreadyDone }
}

extension Journal {
    /// The GitOps commit the migration pushed, if it made one, and whether a rollback
    /// reverted it.
    public var commit: (id: String, reverted: Bool)? {
        guard let entry = entry(EditManifestsStep.id), let id = entry.memory["commit"] else { return nil }
        return (id, entry.status == .undone)
    }
}
