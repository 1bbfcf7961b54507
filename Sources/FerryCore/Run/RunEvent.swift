import Foundation

/// What the runner tells whoever watches it: the terminal (spinner or plain lines),
/// `--json` (one event per line), tests.
public enum RunEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case done
        case alreadyDone = "already-done"
        case failed
        case undone
        case skipped
    }

    case phase(MigrationPhase)
    case stepStarted(step: String, title: String)
    case waiting(step: String, message: String)
    case warning(step: String, message: String)
    /// Something the person must do (the physical move): kept on screen as its own
    /// lines, where a `waiting` message is only the spinner's, cut to the width.
    case notice(step: String, message: String)
    case stepFinished(step: String, title: String, outcome: Outcome, elapsed: Duration, message: String?)
}

/// Receives run events; called from the runner's task, so it must not block.
public protocol RunObserver: Sendable {
    func event(_ event: RunEvent)
}

/// For callers that do not watch.
public struct SilentObserver: RunObserver {
    public init() {}
    public func event(_ event: RunEvent) {}
}
