import Foundation

/// A migration's record, as `ferry report` prints it: who moved what where, every
/// step with its times and failures, the downtime, every change as the command a
/// person would have typed, the commit, the volumes, Flux, and how it ended.
///
/// The blueprint's action log and "lessons learned" table were written by hand after
/// the fact; this is written from the journal and the plan alone, so it can be made
/// anywhere, any time later, without the homelab. Like the journal, it holds no
/// secret: names, times, counts, config lines and commit ids.
///
/// ```swift
/// let report = try await MigrationReport.make(plan: plan, planFile: url, journal: try store.load(plan.name))
/// print(report.markdown())
/// ```
public struct MigrationReport: Sendable, Equatable {
    public var migration: String
    /// The journal's status: `completed`, `failed`, `rolled-back`, ...
    public var status: Journal.Status
    public var workload: String
    public var source: Side
    public var target: Side
    public var devices: [String]
    public var startedAt: Date
    /// When the journal was last written: the end, once the migration has one.
    public var endedAt: Date?
    /// How VM commands reached the target VM (`ssh` or `guest-agent`).
    public var targetAccess: String?
    public var timeline: [StepRecord]
    /// Nil until the workload was Ready on the target.
    public var downtime: Downtime?
    /// The wait for the person at the physical move, whether or not the run got further.
    public var moveWait: Duration
    public var changes: [SystemChanges]
    public var commit: Commit?
    public var volumes: [VolumeRecord]
    public var flux: Flux?
    public var outcome: Outcome
    /// Things the reader must know about the report itself (the plan changed since
    /// the run, so the commands are the current plan's).
    public var notes: [String]

    public struct Side: Sendable, Equatable {
        public var node: String
        public var vm: String
        public var vmid: Int
        public var host: String
    }

    /// One step as the journal holds it; `status` nil when it never started.
    public struct StepRecord: Sendable, Equatable {
        public var step: String
        public var title: String
        public var phase: MigrationPhase
        public var status: Journal.Entry.Status?
        public var startedAt: Date?
        public var endedAt: Date?
        public var undoStartedAt: Date?
        public var undoEndedAt: Date?
        public var method: String?
        public var failures: [Failure]
        /// The last failure's message while the step is still failed.
        public var error: String?

        public var duration: Duration? { Self.between(startedAt, endedAt) }
        public var undoDuration: Duration? { Self.between(undoStartedAt, undoEndedAt) }

        static func between(_ start: Date?, _ end: Date?) -> Duration? {
            guard let start, let end, end >= start else { return nil }
            return .milliseconds(Int64((end.timeIntervalSince(start) * 1000).rounded()))
        }
    }

    public struct Failure: Sendable, Equatable {
        /// Nil in journals written before failure times were recorded.
        public var at: Date?
        public var message: String
        /// A failure of the step's undo, in a rollback.
        public var duringRollback: Bool
    }

    /// The systems a migration changes, each with the commands a person types for it.
    public enum System: String, Sendable, CaseIterable {
        case kubernetes = "Kubernetes (kubectl)"
        case flux = "Flux"
        case proxmox = "Proxmox VE (qm)"
        case vm = "Target VM"
        case git = "Git"
        case person = "By hand"
    }

    public struct SystemChanges: Sendable, Equatable {
        public var system: System
        public var changes: [Change]
    }

    /// What one step changed on one system.
    public struct Change: Sendable, Equatable {
        public var step: String
        public var title: String
        /// The equivalent commands, with what the journal recorded filled in.
        public var commands: [String]
        /// How the step ended: `done`, `undone` (a rollback reverted it), `failed` or
        /// `started` (it may have changed part of this).
        public var status: Journal.Entry.Status
    }

    public struct Commit: Sendable, Equatable {
        public var id: String
        /// The revert a rollback pushed, when it did.
        public var revert: String?
        public var repository: String
        /// `git show --stat --patch`, or nil with `unavailable` saying why.
        public var diff: String?
        public var unavailable: String?
    }

    public struct VolumeRecord: Sendable, Equatable {
        public var claim: String
        public var action: String
        public var originalPV: String?
        public var originalPolicy: String?
        /// The PV on the target node the claim was bound to.
        public var copyPV: String?
        /// Entries (files, directories, links) listed alike on both sides by the final check.
        public var verifiedEntries: Int?
        /// The claim's state as the journal leaves it, in a sentence.
        public var state: String
    }

    public struct Flux: Sendable, Equatable {
        public var kustomization: String
        /// The HelmRelease ferry suspended instead, when one renders the workload.
        public var helmRelease: String?
        public var suspendedAt: Date?
        /// When Flux was resumed, by the run (resume-flux) or by the rollback.
        public var resumedAt: Date?
        public var resumedBy: String?
    }

    public struct Outcome: Sendable, Equatable {
        /// One sentence: what the migration came to.
        public var summary: String
        /// The step the migration stopped at, for a failure.
        public var failedStep: String?
        public var error: String?
        /// The steps a rollback undid, in the order it undid them.
        public var undone: [String]
        /// What to do now, when anything is left to do.
        public var next: String?
    }
}
