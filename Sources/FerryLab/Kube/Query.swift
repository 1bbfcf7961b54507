import Foundation

/// A request's query parameters, read the way the apiserver reads them.
struct Query {
    private var values: [String: String] = [:]

    /// Decodes the raw query string as Go's `url.ParseQuery` does (`+` is a space,
    /// then percent-decoding), which is how kubectl's selectors arrive:
    /// `labelSelector=app+in+%28cam%2Cbroker%29`.
    init(raw: String?) {
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(Self.decode)
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// `watch=true`, `watch=1`.
    func flag(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return value == "true" || value == "1"
    }

    func int(_ key: String) -> Int64? { self[key].flatMap { Int64($0) } }
}
