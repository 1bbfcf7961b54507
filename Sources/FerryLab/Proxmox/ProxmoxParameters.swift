import Foundation
import FerryJSON

/// The parameters of one Proxmox API call, from the query string and the body
/// (`application/x-www-form-urlencoded`, as proxmoxer and `pvesh` send them, or
/// JSON, as the Terraform provider sends them). A key may repeat: `command=ls&command=-l`
/// is the array `["ls", "-l"]`, as Proxmox reads it.
public struct ProxmoxParameters: Sendable, Equatable {
    public private(set) var values: [String: [String]] = [:]

    public init(_ values: [String: [String]] = [:]) {
        self.values = values
    }

    public subscript(key: String) -> String? { values[key]?.last }

    public func all(_ key: String) -> [String] { values[key] ?? [] }

    public var keys: [String] { values.keys.sorted() }

    public mutating func add(_ key: String, _ value: String) {
        values[key, default: []].append(value)
    }

    /// Adds `other`'s values (the body's after the query's).
    public mutating func merge(_ other: ProxmoxParameters) {
        for (key, list) in other.values { values[key, default: []] += list }
    }

    /// A boolean the Proxmox way: `1`, `true`, `yes`, `on`.
    public func flag(_ key: String) -> Bool {
        guard let value = self[key]?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }

    /// `a=1&b=x%20y&b=z` (also `+` for spaces).
    public static func form(_ text: String) -> ProxmoxParameters {
        var parameters = ProxmoxParameters()
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            parameters.add(parts[0], parts.count > 1 ? parts[1] : "")
        }
        return parameters
    }

    /// A JSON object: strings as they are, numbers and booleans as Proxmox would
    /// print them (`true` -> `1`), arrays as repeated values.
    public static func json(_ body: JSON) throws(HomelabError) -> ProxmoxParameters {
        guard let object = body.objectValue else {
            throw HomelabError.parameters(["body": "the request body is not a JSON object"])
        }
        var parameters = ProxmoxParameters()
        for (key, value) in object {
            for item in value.arrayValue ?? [value] {
                switch item {
                case .string(let text): parameters.add(key, text)
                case .bool(let flag): parameters.add(key, flag ? "1" : "0")
                case .null: continue
                default: parameters.add(key, item.serialized)
                }
            }
        }
        return parameters
    }
}
