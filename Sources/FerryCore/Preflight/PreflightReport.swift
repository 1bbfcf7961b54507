import FerryRemote

/// Everything `ferry check` found, in a fixed order whatever order the checks
/// finished in, and how the target VM is reached (which the run records and uses for
/// every later VM command).
public struct PreflightReport: Sendable {
    /// The plan's `metadata.name`.
    public var plan: String
    public var results: [PreflightResult]
    /// How commands reach the target VM (SSH, else the guest agent); nil when neither works.
    public var targetAccess: RemoteMethod?
    /// Wall time of the whole check.
    public var elapsed: Duration

    public init(plan: String, results: [PreflightResult], targetAccess: RemoteMethod?, elapsed: Duration) {
        self.plan = plan
        self.results = results
        self.targetAccess = targetAccess
        self.elapsed = elapsed
    }

    /// True when any check failed: `ferry run` would stop before changing anything.
    public var blocks: Bool { results.contains { $0.status == .fail } }

    public func count(_ status: PreflightResult.Status) -> Int { results.filter { $0.status == status }.count }

    /// The last line of the table: the counts and what they mean for `ferry run`.
    public var summary: String {
        var parts = ["\(count(.pass)) passed"]
        if count(.warn) > 0 { parts.append(count(.warn) == 1 ? "1 warning" : "\(count(.warn)) warnings") }
        if count(.fail) > 0 { parts.append("\(count(.fail)) failed") }
        if count(.skip) > 0 { parts.append("\(count(.skip)) skipped") }
        let counts = parts.joined(separator: ", ")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let time = "in " + String(format: "%.1f", seconds) + "s"
        if blocks {
            return "\(counts) \(time): ferry run would stop here; fix the failures above and run ferry check again."
        }
        return "\(counts) \(time): nothing blocks the migration" + (count(.warn) > 0 ? " (read the warnings)." : ".")
    }
}
