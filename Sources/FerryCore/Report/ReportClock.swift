import Foundation

/// Times of day and durations as the report prints them: steps are seconds apart,
/// so times carry seconds, and a person reads them in their own zone.
struct ReportClock {
    let timeZone: TimeZone

    var zoneName: String {
        let seconds = timeZone.secondsFromGMT()
        if seconds == 0 { return "UTC" }
        let sign = seconds < 0 ? "-" : "+"
        return String(format: "UTC%@%02d:%02d (%@)", sign, abs(seconds) / 3600, abs(seconds) % 3600 / 60, timeZone.identifier)
    }

    func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    func full(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0) + time(date)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `0.42 s`, `12.3 s`, `4 min 05 s`, `1 h 02 min`.
    static func duration(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }
}
