/// The apiserver's name rules, with its own wording so that users recognise them.
enum NameValidation {
    static let subdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        + "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
        + "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    /// nil when `name` is valid for `kind`, else the problem in apiserver words.
    static func problem(with name: String, for kind: ResourceKind) -> String? {
        if kind == ResourceCatalog.namespaces {
            if name.count > 63 { return "must be no more than 63 characters" }
            return isLabel(name) ? nil : labelMessage
        }
        if name.count > 253 { return "must be no more than 253 characters" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { isLabel(String($0)) } ? nil : subdomainMessage
    }

    static func isLabel(_ s: String) -> Bool {
        guard let first = s.utf8.first, let last = s.utf8.last else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        return alnum(first) && alnum(last) && s.utf8.allSatisfy { alnum($0) || $0 == 45 }
    }
}
