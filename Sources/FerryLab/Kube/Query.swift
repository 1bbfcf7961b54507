import Foundation

/// A request's query parameters, read the way the apiserver reads them.
struct Query {
    private var values: [String: String] = [:]

    init(_ parameters: some Sequence<(key: Substring, value: Substring)>) {
        for (key, value) in parameters {
            values[String(key)] = String(value).removingPercentEncoding ?? String(value)
        }
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
