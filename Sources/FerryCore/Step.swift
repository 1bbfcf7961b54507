/// One step of a migration (suspend Flux, scale down, remove passthrough, ...).
///
/// Idempotence comes from `inspect`: the runner asks a step whether the world is
/// already as it wants it before applying it, so a step that was in flight when
/// ferry stopped is inspected again on `ferry resume`, never applied twice blindly.
/// `undo` is what `ferry rollback` runs, in reverse order; `describe` is what
/// `--dry-run` and `ferry scripts` print.
public protocol MigrationStep: Sendable {
    /// A stable identifier, used as the key in the journal (`suspend-flux`, `label-target`).
    var id: String { get }
    /// What the step does, for a person: "Remove USB passthrough from VM 105 on pumped-piglet".
    var title: String { get }

    func inspect() async throws -> StepState
    func apply() async throws
    /// Restores what `apply` changed, or throws `StepCannotUndo` with the reason and
    /// what the user has to do by hand (e.g. move the hardware back).
    func undo() async throws
    /// Every change the step would make: API calls, VM config lines, commands.
    func describe() -> [String]
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
