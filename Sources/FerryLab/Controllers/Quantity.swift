import FerryJSON

/// Kubernetes resource quantities ("500m", "2", "128Mi", "1G") as plain numbers in
/// base units, enough for the scheduler to add requests and compare with allocatable.
enum Quantity {
    static func parse(_ json: JSON) -> Double? {
        if let number = json.doubleValue { return number }
        guard let text = json.stringValue, !text.isEmpty else { return nil }
        let suffixes: [(String, Double)] = [
            ("Ki", 0x1p10), ("Mi", 0x1p20), ("Gi", 0x1p30), ("Ti", 0x1p40), ("Pi", 0x1p50), ("Ei", 0x1p60),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
            ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }
}
