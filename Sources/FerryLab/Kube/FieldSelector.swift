import FerryJSON

/// Field selectors as in `?fieldSelector=`: `=`, `==`, `!=` terms joined by commas,
/// with `\`-escapes for `,`, `=` and `\` in values. Each field must be one the kind
/// supports, as the apiserver's field label conversion functions decide.
public struct FieldSelector: Sendable {
    struct Term: Sendable, Hashable {
        var field: String
        var value: String
        var equals: Bool
    }

    var terms: [Term]
    var kind: ResourceKind

    public init(parsing text: String, for kind: ResourceKind) throws(SelectorError) {
        self.kind = kind
        self.terms = []
        let rules = FieldLabels.rules(for: kind)
        for part in Self.splitTerms(text).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        where !part.isEmpty {
            guard let (field, op, raw) = Self.splitTerm(part) else {
                throw SelectorError("invalid selector: '\(text)'; can't understand '\(part)'")
            }
            let value = try Self.unescape(raw)
            guard let canonical = rules.accepted[field] else { throw SelectorError(rules.reject(field)) }
            terms.append(Term(field: canonical, value: value, equals: op != "!="))
        }
    }

    /// Whether the object's fields satisfy every term. Fields the object lacks read
    /// as "" (so `spec.nodeName=` selects unscheduled pods); booleans as "true"/"false".
    public func matches(_ object: JSON) -> Bool {
        terms.allSatisfy { term in
            (FieldLabels.value(of: term.field, in: object, kind: kind) == term.value) == term.equals
        }
    }

    /// The value required for `metadata.name` when the selector pins one (kubectl
    /// wait/delete use it), else nil.
    public var requiredName: String? {
        terms.first { $0.field == "metadata.name" && $0.equals }?.value
    }

    public var isEverything: Bool { terms.isEmpty }

    // MARK: Grammar (k8s.io/apimachinery/pkg/fields)

    static func splitTerms(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var terms: [String] = []
        var current = ""
        var inSlash = false
        for c in text {
            if inSlash {
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        terms.append(current)
        return terms
    }

    /// The first operator found scanning left to right, trying `!=`, `==`, `=` at each position.
    static func splitTerm(_ term: String) -> (String, String, String)? {
        var index = term.startIndex
        while index < term.endIndex {
            let rest = term[index...]
            for op in ["!=", "==", "="] where rest.hasPrefix(op) {
                return (String(term[..<index]), op, String(rest.dropFirst(op.count)))
            }
            index = term.index(after: index)
        }
        return nil
    }

    static func unescape(_ value: String) throws(SelectorError) -> String {
        var out = ""
        var inSlash = false
        for c in value {
            if inSlash {
                guard c == "\\" || c == "," || c == "=" else {
                    throw SelectorError("invalid field selector: invalid escape sequence: \\\(c)")
                }
                out.append(c)
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," || c == "=" {
                throw SelectorError("invalid field selector: unescaped character in value: \(c)")
            } else {
                out.append(c)
            }
        }
        if inSlash { throw SelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }
}

/// Which field labels each kind accepts (pkg/apis/core/v1/conversion.go and friends)
/// and how each reads from an object (the registries' ToSelectableFields).
enum FieldLabels {
    struct Rules {
        /// Client label to canonical label.
        var accepted: [String: String]
        var reject: @Sendable (String) -> String
    }

    private static func supported(_ labels: [String], aliases: [String: String] = [:]) -> Rules {
        var accepted = Dictionary(uniqueKeysWithValues: labels.map { ($0, $0) })
        accepted.merge(aliases) { _, alias in alias }
        return Rules(accepted: accepted, reject: { "field label not supported: \($0)" })
    }

    static func rules(for kind: ResourceKind) -> Rules {
        switch (kind.group, kind.resource) {
        case ("", "pods"):
            return supported(
                ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                 "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
                 "status.nominatedNodeName"],
                aliases: ["spec.host": "spec.nodeName"])
        case ("", "nodes"): return supported(["metadata.name", "spec.unschedulable"])
        case ("", "namespaces"): return supported(["metadata.name", "status.phase"])
        case ("", "secrets"): return supported(["metadata.name", "metadata.namespace", "type"])
        case ("", "services"): return supported(["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"])
        case ("", "replicationcontrollers"): return supported(["metadata.name", "metadata.namespace", "status.replicas"])
        case ("", "events"):
            return supported(
                ["metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
                 "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                 "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
                 "source", "type"])
        default:
            // runtime.DefaultMetaV1FieldSelectorConversion, for every kind without its own function.
            return Rules(
                accepted: ["metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace"],
                reject: {
                    "\(goQuote($0)) is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                })
        }
    }

    private static let booleans: Set<String> = ["spec.hostNetwork", "spec.unschedulable"]
    private static let integers: Set<String> = ["status.replicas"]

    /// The string a field label selects on for this object.
    static func value(of label: String, in object: JSON, kind: ResourceKind) -> String {
        switch label {
        case "status.podIPs":
            return ""  // accepted by the conversion function, never set by PodToSelectableFields
        case "status.podIP" where kind.resource == "pods":
            return object[path: ["status", "podIPs"]]?.arrayValue?.first?["ip"].stringValue
                ?? object[path: ["status", "podIP"]]?.stringValue ?? ""
        case "source" where kind.resource == "events":
            let component = object[path: ["source", "component"]]?.stringValue ?? ""
            return component.isEmpty ? object["reportingComponent"].stringValue ?? "" : component
        default:
            break
        }
        let value = object[path: label.split(separator: ".").map(String.init)] ?? .null
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d ? String(Int64(d)) : String(d)
        case .null:
            if booleans.contains(label) { return "false" }
            if integers.contains(label) { return "0" }
            return ""
        default: return ""
        }
    }
}
