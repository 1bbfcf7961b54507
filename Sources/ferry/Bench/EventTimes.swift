import FerryCore
import Foundation
import Synchronization

/// When each run event happened, so a benchmark can time the parts of a step (one
/// rsync pass, a verification) from the events the step already reports. `hook`
/// runs on the runner's task before the run goes on: what it does to the lab
/// happens exactly between two events.
final class EventTimes: RunObserver, Sendable {
    private let events = Mutex<[(at: ContinuousClock.Instant, event: RunEvent)]>([])
    private let hook: @Sendable (RunEvent) -> Void

    init(hook: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.hook = hook
    }

    func event(_ event: RunEvent) {
        events.withLock { $0.append((.now, event)) }
        hook(event)
    }

    /// When `step` began waiting for something that starts with `prefix`.
    func waiting(_ step: String, _ prefix: String) -> ContinuousClock.Instant? {
        events.withLock { events in
            events.first {
                if case .waiting(let s, let message) = $0.event { s == step && message.hasPrefix(prefix) } else { false }
            }?.at
        }
    }

    func started(_ step: String) -> ContinuousClock.Instant? {
        events.withLock { events in
            events.last { if case .stepStarted(let s, _) = $0.event { s == step } else { false } }?.at
        }
    }

    func finished(_ step: String) -> ContinuousClock.Instant? {
        events.withLock { events in
            events.last { if case .stepFinished(let s, _, _, _, _) = $0.event { s == step } else { false } }?.at
        }
    }

    /// The `final-copy` step, start to finish.
    var finalPass: Duration? { Self.span(started("final-copy"), finished("final-copy")) }

    /// From `from` to `to`, when both happened.
    static func span(_ from: ContinuousClock.Instant?, _ to: ContinuousClock.Instant?) -> Duration? {
        guard let from, let to else { return nil }
        return from.duration(to: to)
    }
}
