import Yams

/// JSON out as YAML, for `-o yaml`: block style with sorted keys, as `kubectl -o yaml`
/// prints; a string that would read back as another type (`"1"`, `"true"`) is quoted.
extension JSON {
    public var yaml: String {
        (try? Yams.serialize(node: yamlNode, sortKeys: true)) ?? ""
    }

    var yamlNode: Node {
        switch self {
        case .null: Node("null", Tag(.null))
        case .bool(let value): Node(value ? "true" : "false", Tag(.bool))
        case .int(let value): Node(String(value), Tag(.int))
        case .double(let value): Node(String(value), Tag(.float))
        case .string(let value): (try? value.represented()) ?? Node(value, Tag(.str), .doubleQuoted)
        case .array(let values): Node(values.map(\.yamlNode))
        case .object(let fields): Node(fields.sorted { $0.key < $1.key }.map { (Node($0.key), $0.value.yamlNode) })
        }
    }
}
