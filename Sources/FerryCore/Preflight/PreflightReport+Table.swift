import FerryRemote

extension PreflightReport {
    /// One line per check in aligned columns, the fix indented on the next line:
    ///
    ///     STATUS  CHECK                        REASON
    ///     fail    target-node k3s-vm-still-fawn  k3s-vm-still-fawn is cordoned: no new pod can be scheduled on it
    ///             fix: kubectl uncordon k3s-vm-still-fawn
    ///
    /// Plain text, no colour: it reads the same in a terminal, a log and a CI job.
    public var table: String {
        let checkWidth = max("CHECK".count, results.map(\.check.count).max() ?? 0)
        let statusWidth = "STATUS".count
        func row(_ status: String, _ check: String, _ reason: String) -> String {
            status.padding(toLength: statusWidth, withPad: " ", startingAt: 0) + "  "
                + check.padding(toLength: checkWidth, withPad: " ", startingAt: 0) + "  " + reason
        }
        var lines = [row("STATUS", "CHECK", "REASON")]
        let indent = String(repeating: " ", count: statusWidth + 2)
        for result in results {
            lines.append(row(result.status.rawValue, result.check, result.reason))
            if let fix = result.fix, result.status != .pass {
                lines.append(indent + "fix: " + fix)
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
