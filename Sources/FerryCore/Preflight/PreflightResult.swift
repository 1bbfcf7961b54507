/// The outcome of one pre-flight check: one line of `ferry check`, one entry of its
/// JSON, and what the run's first phase journals.
///
/// Every `fail` names its fix (the command to run or the plan change to make), so
/// that the person reading it never has to work out what the check wanted.
public struct PreflightResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The precondition holds.
        case pass
        /// The run can go on, but the user should know (data that will be lost, a
        /// check ferry cannot make).
        case warn
        /// The run would fail or do harm: `ferry run` stops before changing anything.
        case fail
        /// The check does not apply to this plan (no `gitops` section, say).
        case skip
    }

    /// What was checked, with its subject: `volume frigate-config`, `target-node k3s-vm-still-fawn`.
    public var check: String
    /// The check's name as a script matches it: the kind, a dot, the subject
    /// (`credentials.kubernetes`, `volume.frigate-config`), lowercase, with `-` for
    /// anything but letters, digits, `.`, `/` and `-`. Stable for a plan: the subject
    /// comes from the plan or the cluster, never from what was found.
    public var id: String {
        let kind = check.prefix { $0 != " " }
        let subject = check.dropFirst(kind.count).trimmingCharacters(in: .whitespaces)
        let slug = { (text: String) in
            text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || "./-".contains($0)) ? String($0) : "-" }.joined()
                .split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-")
        }
        return subject.isEmpty ? slug(String(kind)) : slug(String(kind)) + "." + slug(subject)
    }
    public var status: Status
    /// What was found, in a sentence.
    public var reason: String
    /// The command to run or the plan change to make; nil when there is nothing to do.
    public var fix: String?

    public init(_ check: String, _ status: Status, _ reason: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.reason = reason
        self.fix = fix
    }

    public static func pass(_ check: String, _ reason: String) -> PreflightResult { .init(check, .pass, reason) }
    public static func warn(_ check: String, _ reason: String, fix: String? = nil) -> PreflightResult {
        .init(check, .warn, reason, fix: fix)
    }
    public static func fail(_ check: String, _ reason: String, fix: String) -> PreflightResult {
        .init(check, .fail, reason, fix: fix)
    }
    public static func skip(_ check: String, _ reason: String) -> PreflightResult { .init(check, .skip, reason) }
}
