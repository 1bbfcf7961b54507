import Foundation

/// The time CronJob schedules run on. A real cluster's `*/5 * * * *` waits five
/// minutes of wall-clock time, too long for a test or a demo, so the lab runs its
/// schedules on a clock of its own; tests can hand the controller another one.
protocol LabClock: Sendable {
    /// The schedules' current time.
    func now() -> Date
    /// The schedules' time at the wall-clock moment `date` (a creationTimestamp).
    func labTime(of date: Date) -> Date
    /// The wall-clock moment the schedules' clock shows `date` (for kubectl's LAST SCHEDULE).
    func wallTime(of date: Date) -> Date
    /// How long to wait on the wall clock until the schedules' clock shows `date`.
    func realDelay(until date: Date) -> Duration
}

/// A clock that starts at the wall-clock time the lab started and then runs
/// `factor` times faster: with `LabConfiguration.Timing.cronMinute` at one second
/// (the default), a schedule's minute passes every second and `*/5` fires every five.
struct CompressedClock: LabClock {
    let origin: Date
    let factor: Double

    init(origin: Date = Date(), minute: Duration) {
        self.origin = origin
        factor = 60 / max(minute.seconds, 0.001)
    }

    func now() -> Date { labTime(of: Date()) }

    func labTime(of date: Date) -> Date {
        origin.addingTimeInterval(date.timeIntervalSince(origin) * factor)
    }

    func wallTime(of date: Date) -> Date {
        origin.addingTimeInterval(date.timeIntervalSince(origin) / factor)
    }

    func realDelay(until date: Date) -> Duration {
        .seconds(max(0, date.timeIntervalSince(now()) / factor))
    }
}
