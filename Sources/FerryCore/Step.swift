/// One step of a migration (suspend Flux, scale down, remove passthrough, ...).
///
/// Idempotence comes from `inspect`: the runner asks a step whether the world is
/// already as it wants it before applying it, so a step that was in flight when
/// ferry stopped is inspected again on `ferry resume`, never applied twice blindly.
/// `undo` is what `ferry rollback` runs, in reverse order; `describe` is what
/// `--dry-run` and `ferry scripts` print.
///
/// A step keeps no state of its own between calls: what `undo` will need (the
/// replica count before scaling down, the config lines removed from a VM, the commit
/// pushed) goes into `context.remember`, which is journaled before the change is
/// made, so a rollback in another process, after a crash, still has it.
public protocol MigrationStep: Sendable {
    /// A stable identifier, used as the key in the journal (`suspend-flux`, `label-target`).
    var id: String { get }
    /// What the step does, for a person: "Remove USB passthrough from VM 105 on pumped-piglet".
    var title: String { get }
    /// The phase of the run it belongs to, for grouping in the output and the report.
    var phase: MigrationPhase { get }
    /// `.main` for most steps; see `StepLane`.
    var lane: StepLane { get }
    /// The lanes whose steps may still run while this step does. Empty, the default:
    /// the step starts only when every step before it has ended.
    var alongside: Set<StepLane> { get }
    /// Asked when the run reaches the step with `lanes` still working: whether it may
    /// start now. By default, whether they are all `alongside`; a step that only
    /// sometimes disturbs a lane (a reboot it may not need) asks the world.
    func mayRun(beside lanes: Set<StepLane>) async -> Bool

    func inspect(_ context: StepContext) async throws -> StepState
    func apply(_ context: StepContext) async throws
    /// Restores what `apply` changed, or throws `StepCannotUndo` with the reason and
    /// what the user has to do by hand (e.g. move the hardware back). Must be safe to
    /// run on a step that was only partly applied, and twice.
    func undo(_ context: StepContext) async throws
    /// What this step's undo needs that is no longer there (an original volume that
    /// `ferry cleanup` deleted), each with what can still be done. A rollback asks
    /// every step it would undo before it changes anything, and refuses when any says
    /// something: half a rollback is worse than none.
    func undoProblems(_ context: StepContext) async -> [String]
    /// False for a step whose undo has nothing to change (a check, a wait): a
    /// rollback marks it undone without a line of its own.
    var undoes: Bool { get }
    /// Every change the step would make: API calls, VM config lines, commands.
    func describe() -> [String]
}

extension MigrationStep {
    public func undoProblems(_ context: StepContext) async -> [String] { [] }
    public var undoes: Bool { true }
    public var lane: StepLane { .main }
    public var alongside: Set<StepLane> { [] }
    public func mayRun(beside lanes: Set<StepLane>) async -> Bool { lanes.isSubset(of: alongside) }
}

/// Where a step runs. The downtime is the sum of the steps between scale-down and the
/// pods Ready, and some of them have nothing to do with each other: the final copy of
/// the volumes needs the workload stopped and the target node up (not rebooting), not
/// the Coral moved or checked in the VM, the driver or the GitOps commit. So it runs
/// from the scale-down on, beside the physical move (minutes for a person, which the
/// copy no longer adds to); so does the GitOps commit. The runner starts a lane's
/// steps (in their order among themselves) where the list reaches them and goes on
/// with the main steps that say they may run `alongside` that lane; the first main
/// step that does not waits for the lane to end. A failure on either side lets the
/// other side's step in flight end, starts nothing new, and stops the run, so the
/// journal holds every step either ended or failed, as with one step at a time.
public enum StepLane: String, Sendable, Hashable {
    case main
    /// The final copy and the switch of the volumes.
    case volumes
    /// The commit of the edited manifests and its push (a second over the network to
    /// a Git host): Flux is suspended until resume-flux, which waits for every lane,
    /// so the commit changes nothing in the cluster before then.
    case gitops

    /// Every lane beside the main one: what a main step names as `alongside` when it
    /// disturbs none of them.
    public static let sides: Set<StepLane> = [.volumes, .gitops]
}

/// The blueprint's phases, in order.
public enum MigrationPhase: String, Sendable, Codable, CaseIterable {
    case preflight = "Pre-flight"
    case source = "Source"
    case move = "Physical move"
    case target = "Target"
    case volumes = "Volumes"
    case gitops = "GitOps"
    case deploy = "Deploy and verify"
}

/// What `inspect` found.
public enum StepState: Sendable, Equatable {
    /// Nothing to do: the world is already as the step leaves it.
    case done
    /// The step has to run; the reason says what is not yet so.
    case pending(reason: String)
    /// The step cannot run; the reason says what blocks it and how to fix it.
    case blocked(reason: String)
}

/// A step that cannot be reversed automatically, with what the user must do.
public struct StepCannotUndo: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var instructions: String

    public init(step: String, instructions: String) {
        self.step = step
        self.instructions = instructions
    }

    public var description: String { "\(step) cannot be undone automatically: \(instructions)" }
}

/// A step's failure as the user reads it: what went wrong and what to do about it.
public struct StepFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var fix: String?

    public init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }

    public var description: String { fix.map { "\(message)\n  fix: \($0)" } ?? message }
}
