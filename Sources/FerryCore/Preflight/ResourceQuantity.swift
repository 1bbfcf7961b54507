import Foundation
import FerryJSON
import FerryKube

/// Kubernetes resource quantities (`500m`, `2`, `128Mi`, `1G`) as numbers in base
/// units: enough to add requests and compare them with a node's allocatable.
enum ResourceQuantity {
    /// How much of `resource` the node offers pods (0 when it lists none).
    static func allocatable(_ resource: String, on node: Node) -> Double {
        node.allocatable[resource].flatMap { parse(.string($0)) } ?? 0
    }

    static func parse(_ json: JSON) -> Double? {
        if let number = json.doubleValue { return number }
        guard let text = json.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let suffixes: [(String, Double)] = [
            ("Ki", 0x1p10), ("Mi", 0x1p20), ("Gi", 0x1p30), ("Ti", 0x1p40), ("Pi", 0x1p50), ("Ei", 0x1p60),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }

    /// For messages: `1.5` CPUs, `2Gi` of memory, `1` of anything else.
    static func format(_ value: Double, resource: String) -> String {
        if resource == "memory" || resource.hasSuffix("storage") {
            for (suffix, factor) in [("Gi", 0x1p30), ("Mi", 0x1p20), ("Ki", 0x1p10)] where value >= factor {
                return trimmed(value / factor) + suffix
            }
            return trimmed(value)
        }
        if resource == "cpu", value < 1 { return trimmed(value * 1000) + "m" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
