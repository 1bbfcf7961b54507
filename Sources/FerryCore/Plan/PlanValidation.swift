import Foundation

/// The value rules of a plan: what a name, an id, an address or a duration may look
/// like. Each rule returns nil for a good value, or the problem and a hint.
enum PlanValidation {
    struct Failure: Error, Equatable {
        var message: String
        var hint: String?
    }

    static let dnsLabelHint =
        "expected a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
    static let dnsSubdomainHint =
        "expected a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"

    static func dnsLabel(_ value: String, what: String) -> Failure? {
        isDNSLabel(value) ? nil : Failure(message: "\(quoted(value)) is not a valid \(what)", hint: dnsLabelHint)
    }

    static func dnsSubdomain(_ value: String, what: String) -> Failure? {
        isDNSSubdomain(value) ? nil : Failure(message: "\(quoted(value)) is not a valid \(what)", hint: dnsSubdomainHint)
    }

    /// A container image reference as the kubelet takes it: `[registry[:port]/]path[:tag][@digest]`,
    /// the path lowercase (`docker.io/instrumentisto/rsync-ssh:alpine`).
    static func imageReference(_ value: String) -> Failure? {
        guard value.count <= 255, let regex = try? Regex(imageReferencePattern), value.wholeMatch(of: regex) != nil else {
            return Failure(
                message: "\(quoted(value)) is not a container image reference",
                hint: "expected [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST] with a lowercase path, e.g. registry.home.lan/instrumentisto/rsync-ssh:alpine")
        }
        return nil
    }

    /// distribution/reference's grammar: host components, then lowercase path
    /// components joined by `.`, `_`, `__` or dashes, a tag, a digest. (A `Regex` is
    /// not Sendable, so each check compiles it; plans are read rarely.)
    private static let imageReferencePattern: String = {
        let component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
        let host = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
        let tag = "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
        let digest = "(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?"
        return "(?:\(host)/)?\(component)(?:/\(component))*\(tag)\(digest)"
    }()

    static func vmid(_ value: Int) -> Failure? {
        (100...999_999_999).contains(value)
            ? nil : Failure(message: "\(value) is not a valid VMID", hint: "Proxmox VMIDs are 100 to 999999999")
    }

    /// `1a6e:089a`; returns the id lowercased, or the failure.
    static func usbID(_ value: String) -> Result<String, Failure> {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isHexDigit) }) else {
            return .failure(Failure(
                message: "\(quoted(value)) is not a USB id",
                hint: "expected VENDOR:PRODUCT with 4 hex digits each, e.g. 1a6e:089a"))
        }
        return .success(value.lowercased())
    }

    /// `BUS-PORT[.PORT...]`, as Proxmox and `lsusb -t` write it: `2-1`, `1-1.4`.
    static func usbPort(_ value: String) -> Failure? {
        let halves = value.split(separator: "-", omittingEmptySubsequences: false)
        let ok = halves.count == 2 && isNumber(halves[0])
            && halves[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isNumber)
        return ok ? nil : Failure(
            message: "\(quoted(value)) is not a USB port path",
            hint: "expected BUS-PORT[.PORT...], e.g. 2-1 or 1-1.4 (see `lsusb -t` on the host)")
    }

    /// `VENDOR:DEVICE` of a PCI function, as `lspci -nn` prints it in brackets.
    static func pciID(_ value: String) -> Result<String, Failure> {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isHexDigit) }) else {
            return .failure(Failure(
                message: "\(quoted(value)) is not a PCI id",
                hint: "expected VENDOR:DEVICE with 4 hex digits each, e.g. 10de:2484 (`lspci -nn` on the host prints it in brackets)"))
        }
        return .success(value.lowercased())
    }

    /// A Kubernetes label key: an optional DNS subdomain prefix and `/`, then a name.
    static func labelKey(_ value: String) -> Failure? {
        let pieces = value.split(separator: "/", omittingEmptySubsequences: false)
        let name = pieces.last.map(String.init) ?? ""
        let prefixOK = pieces.count == 1 || (pieces.count == 2 && isDNSSubdomain(String(pieces[0])))
        guard pieces.count <= 2, prefixOK, !name.isEmpty, isLabelName(name) else {
            return Failure(
                message: "\(quoted(value)) is not a valid label key",
                hint: "expected [PREFIX/]NAME: a DNS subdomain prefix, and a name of at most 63 letters, digits, '-', '_' and '.' starting and ending with a letter or digit, e.g. coral.ai/tpu")
        }
        return nil
    }

    static func labelValue(_ value: String) -> Failure? {
        value.isEmpty || isLabelName(value) ? nil : Failure(
            message: "\(quoted(value)) is not a valid label value",
            hint: "expected at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
    }

    static func duration(_ value: String) -> Result<PlanDuration, Failure> {
        if let duration = PlanDuration(parsing: value) { return .success(duration) }
        return .failure(Failure(
            message: "\(quoted(value)) is not a duration", hint: "expected a number with a unit, e.g. 30s, 5m, 2h or 1m30s"))
    }

    static func httpURL(_ value: String) -> Failure? {
        let components = URLComponents(string: value)
        let scheme = components?.scheme?.lowercased()
        guard let components, scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            return Failure(
                message: "\(quoted(value)) is not an HTTP URL",
                hint: "expected http:// or https:// and a host, e.g. http://frigate.frigate.svc:5000/api/version")
        }
        return nil
    }

    /// A path inside the Git repository: relative, no `..`.
    static func repoPath(_ value: String) -> Failure? {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard !value.isEmpty, !value.hasPrefix("/"), !parts.contains(".."), !parts.contains("") else {
            return Failure(
                message: "\(quoted(value)) is not a path inside the repository",
                hint: "expected a relative path without '..', e.g. apps/frigate/deployment.yaml")
        }
        return nil
    }

    /// The known key closest to `key`, if it is one or two edits away.
    static func suggestion(for key: String, among known: [String]) -> String? {
        // The distance is at least the difference in length: a long key is close to nothing.
        guard key.utf8.count <= (known.map(\.count).max() ?? 0) + 8 else { return nil }
        let scored = known.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Messages quote what the plan says, and a value pasted by mistake (a log, a
    /// certificate, megabytes of label) must not come back whole: past this many
    /// characters only the start is shown, with the length.
    static let shownLength = 80

    /// The value, or its first `shownLength` characters and how long it is.
    static func cut(_ value: String) -> String {
        guard value.utf8.count > shownLength, value.count > shownLength else { return value }
        return value.prefix(shownLength) + "… (\(value.count) characters)"
    }

    static func quoted(_ value: String) -> String {
        let long = value.utf8.count > shownLength && value.count > shownLength
        let shown = long ? String(value.prefix(shownLength)) : value
        let text = "\"" + shown.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return long ? text + "…\" (\(value.count) characters)" : text + "\""
    }

    private static func isNumber(_ text: Substring) -> Bool { !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber } }

    private static func isDNSLabel(_ value: String) -> Bool {
        guard (1...63).contains(value.count), let first = value.first, let last = value.last else { return false }
        let lowerAlnum: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        return lowerAlnum(first) && lowerAlnum(last) && value.allSatisfy { lowerAlnum($0) || $0 == "-" }
    }

    private static func isDNSSubdomain(_ value: String) -> Bool {
        value.count <= 253 && value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            isDNSLabel(String($0))
        }
    }

    private static func isLabelName(_ value: String) -> Bool {
        guard value.count <= 63, let first = value.first, let last = value.last else { return false }
        let alnum: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return alnum(first) && alnum(last) && value.allSatisfy { alnum($0) || "-_.".contains($0) }
    }
}
