import Foundation

/// The workload's downtime as the journal shows it: from the scale-down starting (the
/// source pod stops serving) to the target pod Ready. The wait for the person to move
/// the hardware is part of what the workload's users saw, and not of what ferry can
/// make shorter: both are given.
public struct Downtime: Sendable, Equatable {
    /// From the scale-down to the target pod Ready.
    public var total: Duration
    /// How long of that the run waited for the physical move.
    public var moveWait: Duration

    /// What ferry's own steps took of the downtime.
    public var withoutMove: Duration { total - moveWait }

    /// Nil until the workload is Ready on the target.
    public init?(_ journal: Journal) {
        guard let down = journal.entry("scale-down")?.startedAt,
              let up = journal.entries.last(where: { $0.step == "wait-ready" && $0.status != .undone && $0.status != .undoing })?.endedAt,
              up >= down
        else { return nil }
        total = Self.duration(up.timeIntervalSince(down))
        moveWait = Self.moveWait(journal)
    }

    /// How long the run waited for the person at the physical move.
    public static func moveWait(_ journal: Journal) -> Duration {
        var seconds = 0.0
        for entry in journal.entries where entry.phase == .move {
            if let start = entry.startedAt, let end = entry.endedAt { seconds += end.timeIntervalSince(start) }
        }
        return duration(seconds)
    }

    static func duration(_ seconds: TimeInterval) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
