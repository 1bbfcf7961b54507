import FerryRemote

extension PreflightReport {
    /// One line per check in aligned columns, the fix indented on the next line:
    ///
    ///     STATUS  CHECK                        REASON
    ///     fail    target-node k3s-vm-still-fawn  k3s-vm-still-fawn is cordoned: no new pod can be scheduled on it
    ///             fix: kubectl uncordon k3s-vm-still-fawn
    ///
    /// Plain text, no colour: it reads the same in a terminal, a log and a CI job.
    public var table: String { table(width: nil) }

    /// The table with its REASON and fix wrapped to `width` columns (a terminal's),
    /// each continuation under its column; nil: one line each, for logs and pipes.
    public func table(width: Int?) -> String {
        let checkWidth = max("CHECK".count, results.map(\.check.count).max() ?? 0)
        let statusWidth = "STATUS".count
        func row(_ status: String, _ check: String, _ reason: String) -> String {
            status.padding(toLength: statusWidth, withPad: " ", startingAt: 0) + "  "
                + check.padding(toLength: checkWidth, withPad: " ", startingAt: 0) + "  " + reason
        }
        let indent = String(repeating: " ", count: statusWidth + 2)
        let reasonColumn = statusWidth + 2 + checkWidth + 2
        // A CHECK column too wide for the terminal leaves no room beside it: the
        // reasons go under their rows instead.
        let beside = width.map { $0 - reasonColumn >= 30 } ?? true
        var lines = [beside ? row("STATUS", "CHECK", "REASON") : "STATUS  CHECK (REASON below)"]
        for result in results {
            let reason = result.reason.replacingOccurrences(of: "\n", with: " ")
            guard let width else {
                lines.append(row(result.status.rawValue, result.check, reason))
                if let fix = result.fix, result.status != .pass { lines.append(indent + "fix: " + fix) }
                continue
            }
            if beside {
                let wrapped = TextWrap.lines(reason, width: width - reasonColumn - 1)
                lines.append(row(result.status.rawValue, result.check, wrapped[0]))
                lines += wrapped.dropFirst().map { String(repeating: " ", count: reasonColumn) + $0 }
            } else {
                lines.append(row(result.status.rawValue, result.check, "").trimmingCharacters(in: .whitespaces))
                lines += TextWrap.lines(reason, width: width - indent.count - 1).map { indent + $0 }
            }
            if let fix = result.fix, result.status != .pass {
                let wrapped = TextWrap.lines("fix: " + fix, width: width - indent.count - 1)
                lines.append(indent + wrapped[0])
                lines += wrapped.dropFirst().map { indent + "     " + $0 }
            }
        }
        lines.append("")
        lines.append("VM commands on the target: " + (targetAccess.map(Self.describe) ?? "none work (see vm-access above)"))
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    static func describe(_ method: RemoteMethod) -> String {
        switch method {
        case .ssh: "SSH"
        case .guestAgent: "the QEMU guest agent (SSH does not connect)"
        }
    }
}
