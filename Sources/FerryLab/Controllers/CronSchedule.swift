import Foundation

/// A CronJob's `spec.schedule` in the standard 5-field syntax the CronJob controller
/// accepts (robfig/cron's `ParseStandard`): minute, hour, day of month, month, day
/// of week; each a `*`, a number, a `a-b` range, a name (`jan`, `mon`), a `/step`
/// on any of those, or a comma list of them; or a descriptor (`@hourly`, `@daily`,
/// `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`). As in cron, when
/// both day fields are restricted a day matching either runs the schedule.
struct CronSchedule: Sendable, Equatable {
    var minutes: Set<Int>
    var hours: Set<Int>
    var days: Set<Int>
    var months: Set<Int>
    var weekdays: Set<Int>
    /// Whether a day field was `*` or `?`: then only the other one restricts days.
    var anyDay: Bool
    var anyWeekday: Bool

    struct ParseError: Error, Equatable {
        var message: String
    }

    static let descriptors = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("TZ=") || trimmed.hasPrefix("CRON_TZ=") {
            throw ParseError(message: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
        }
        if trimmed.hasPrefix("@every") {
            throw ParseError(message: "the lab does not run @every schedules; write the interval as a 5-field schedule (*/5 * * * *)")
        }
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let standard = Self.descriptors[trimmed.lowercased()] else {
                throw ParseError(message: "unrecognized descriptor: \(trimmed)")
            }
            expanded = standard
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else { throw ParseError(message: "expected exactly 5 fields, found \(fields.count): \(text)") }
        minutes = try Self.field(fields[0], 0, 59, names: [])
        hours = try Self.field(fields[1], 0, 23, names: [])
        days = try Self.field(fields[2], 1, 31, names: [])
        months = try Self.field(fields[3], 1, 12, names: Self.monthNames, firstName: 1)
        weekdays = try Self.field(fields[4], 0, 6, names: Self.dayNames)
        anyDay = Self.isStar(fields[2])
        anyWeekday = Self.isStar(fields[4])
    }

    private static func isStar(_ field: String) -> Bool {
        field.split(separator: ",").contains { part in
            let range = part.split(separator: "/").first.map(String.init) ?? ""
            return range == "*" || range == "?"
        }
    }

    private static func field(_ text: String, _ low: Int, _ high: Int, names: [String], firstName: Int = 0) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw ParseError(message: "too many slashes: \(part)") }
            var start: Int, end: Int
            let range = pieces[0]
            if range == "*" || range == "?" {
                (start, end) = (low, high)
            } else {
                let bounds = range.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard bounds.count <= 2 else { throw ParseError(message: "too many hyphens: \(part)") }
                start = try value(bounds[0], names: names, firstName: firstName)
                end = bounds.count == 2 ? try value(bounds[1], names: names, firstName: firstName) : start
                if pieces.count == 2, bounds.count == 1 { end = high }
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw ParseError(message: "step of range should be a positive number: \(part)")
                }
                step = parsed
            }
            if start < low { throw ParseError(message: "beginning of range (\(start)) below minimum (\(low)): \(part)") }
            if end > high { throw ParseError(message: "end of range (\(end)) above maximum (\(high)): \(part)") }
            if start > end { throw ParseError(message: "beginning of range (\(start)) beyond end of range (\(end)): \(part)") }
            values.formUnion(stride(from: start, through: end, by: step))
        }
        return values
    }

    private static func value(_ text: String, names: [String], firstName: Int) throws(ParseError) -> Int {
        if let index = names.firstIndex(of: text.lowercased()) { return index + firstName }
        guard let number = Int(text), number >= 0 else { throw ParseError(message: "failed to parse int from \(text)") }
        return number
    }

    // MARK: Times

    private func dayMatches(_ components: DateComponents) -> Bool {
        let dom = days.contains(components.day ?? 0)
        let dow = weekdays.contains((components.weekday ?? 1) - 1)
        return anyDay || anyWeekday ? dom && dow : dom || dow
    }

    /// The first time after `date` that the schedule names, within five years.
    func next(after date: Date, calendar: Calendar) -> Date? {
        let start = calendar.dateInterval(of: .minute, for: date)?.start ?? date
        guard var t = calendar.date(byAdding: .minute, value: 1, to: start) else { return nil }
        let limit = date.addingTimeInterval(5 * 366 * 86400)
        while t < limit {
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: t)
            if !months.contains(c.month ?? 0) {
                guard let month = calendar.dateInterval(of: .month, for: t)?.end else { return nil }
                t = month
            } else if !dayMatches(c) {
                guard let day = calendar.dateInterval(of: .day, for: t)?.end else { return nil }
                t = day
            } else if !hours.contains(c.hour ?? 0) {
                guard let hour = calendar.dateInterval(of: .hour, for: t)?.end else { return nil }
                t = hour
            } else if !minutes.contains(c.minute ?? 0) {
                t = t.addingTimeInterval(60)
            } else {
                return t
            }
        }
        return nil
    }

    /// The latest time the schedule names after `earliest` and not after `now`, and
    /// how many it names in that window (missed starts beyond the latest).
    func mostRecent(after earliest: Date, notAfter now: Date, calendar: Calendar) -> (time: Date, count: Int)? {
        var latest: Date?
        var count = 0
        var t = earliest
        while let next = next(after: t, calendar: calendar), next <= now {
            latest = next
            count += 1
            t = next
            if count > 100_000 { break }
        }
        return latest.map { ($0, count) }
    }
}
