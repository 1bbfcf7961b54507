/// A duration as plan files write it: `30s`, `5m`, `2h`, `1h30m`, `1m30s`.
///
/// Whole seconds only: every wait in a migration is seconds to hours long.
public struct PlanDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) {
        self.seconds = seconds
    }

    public static func seconds(_ n: Int) -> PlanDuration { PlanDuration(seconds: n) }
    public static func minutes(_ n: Int) -> PlanDuration { PlanDuration(seconds: n * 60) }
    public static func hours(_ n: Int) -> PlanDuration { PlanDuration(seconds: n * 3600) }

    public var duration: Duration { .seconds(seconds) }

    /// Parses `NhNmNs` (each part optional, at least one, in that order); nil for anything else.
    public init?(parsing text: String) {
        var total = 0
        var digits = ""
        var lastUnit = 0  // 3 = h, 2 = m, 1 = s: units must come in decreasing order
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 9 else { return nil }
                continue
            }
            let (rank, factor): (Int, Int)
            switch character {
            case "h": (rank, factor) = (3, 3600)
            case "m": (rank, factor) = (2, 60)
            case "s": (rank, factor) = (1, 1)
            default: return nil
            }
            guard let value = Int(digits), lastUnit == 0 || rank < lastUnit else { return nil }
            total += value * factor
            lastUnit = rank
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty, total > 0 else { return nil }
        self.seconds = total
    }

    /// The shortest form: `90s` prints as `1m30s`, `3600s` as `1h`.
    public var description: String {
        var rest = seconds
        var text = ""
        if rest >= 3600 {
            text += "\(rest / 3600)h"
            rest %= 3600
        }
        if rest >= 60 {
            text += "\(rest / 60)m"
            rest %= 60
        }
        if rest > 0 || text.isEmpty { text += "\(rest)s" }
        return text
    }

    public static func < (lhs: PlanDuration, rhs: PlanDuration) -> Bool { lhs.seconds < rhs.seconds }
}
