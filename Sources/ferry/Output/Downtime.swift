import FerryCore
import Foundation

/// The workload's downtime as the journal shows it: from the scale-down starting (the
/// source pod stops serving) to the target pod Ready, minus the wait for the person
/// to move the hardware.
struct Downtime {
    var total: Duration

    init?(_ journal: Journal) {
        guard let down = journal.entry("scale-down")?.startedAt, let up = journal.entries.last(where: { $0.step == "wait-ready" })?.endedAt else {
            return nil
        }
        total = .milliseconds(Int64(up.timeIntervalSince(down) * 1000)) - Self.moveWait(journal)
    }

    /// How long the run waited for the person at the physical move.
    static func moveWait(_ journal: Journal) -> Duration {
        var seconds = 0.0
        for entry in journal.entries where entry.phase == .move {
            if let start = entry.startedAt, let end = entry.endedAt { seconds += end.timeIntervalSince(start) }
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
