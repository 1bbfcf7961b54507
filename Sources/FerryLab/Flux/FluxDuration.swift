import Foundation

/// Flux's intervals are Go durations (`10m0s`, `1h`, `30s`, `1m30s`, `500ms`). The lab
/// compresses them with `LabConfiguration.Timing.fluxIntervalScale` so that a
/// Kustomization's "10m" comes round in seconds, as every other delay in the lab does.
enum FluxDuration {
    /// Parses a Go duration string; nil when it is not one.
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return .zero }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            rest = rest.dropFirst(unit.count)
            guard let seconds = unitSeconds[String(unit)] else { return nil }
            total += value * seconds
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// The lab's version of `interval`: scaled, and never shorter than `floor` so that
    /// a "1s" interval cannot turn the controller loop into a busy loop.
    static func labInterval(_ text: String?, scale: Double, default fallback: String = "10m",
                            floor: Duration = .milliseconds(100)) -> Duration {
        let real = text.flatMap(parse) ?? parse(fallback)!
        let seconds = Double(real.components.seconds) + Double(real.components.attoseconds) / 1e18
        let scaled = Duration.milliseconds(Int64((seconds * scale * 1000).rounded()))
        return max(scaled, floor)
    }

    private static let unitSeconds: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]
}
