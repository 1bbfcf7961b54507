import FerryJSON

/// Node affinity: v1.NodeSelector with its nodeSelectorTerms, as the scheduler reads
/// it (k8s.io/component-helpers/scheduling/corev1/nodeaffinity). Terms are ORed,
/// requirements within a term ANDed; a term with no requirements matches nothing,
/// and so does a selector with no terms.
public struct NodeSelector: Sendable {
    struct Term: Sendable {
        var labels: [LabelRequirement]
        /// matchFields: `metadata.name` equal (In) or not equal (NotIn) to the value.
        var names: [(value: String, equals: Bool)]
    }

    var terms: [Term]

    /// The object with `nodeSelectorTerms` (requiredDuringSchedulingIgnoredDuringExecution).
    public init(json: JSON) throws(SelectorError) {
        var terms: [Term] = []
        var errors: [String] = []
        for (t, termJSON) in (json["nodeSelectorTerms"].arrayValue ?? []).enumerated() {
            let path = "nodeSelectorTerms[\(t)]"
            var term = Term(labels: [], names: [])
            for (i, expression) in (termJSON["matchExpressions"].arrayValue ?? []).enumerated() {
                let p = "\(path).matchExpressions[\(i)]"
                let name = expression["operator"].stringValue ?? ""
                let op: LabelRequirement.Operator
                switch name {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                case "Gt": op = .greaterThan
                case "Lt": op = .lessThan
                default:
                    errors.append("\(p).operator: Unsupported value: \(goQuote(name))")
                    continue
                }
                let values = expression["values"].arrayValue?.map { $0.stringValue ?? "" }
                do throws(SelectorError) {
                    term.labels.append(
                        try LabelRequirement.make(
                            key: expression["key"].stringValue ?? "", op: op, values: values, path: p))
                } catch {
                    errors.append(error.message)
                }
            }
            for (i, expression) in (termJSON["matchFields"].arrayValue ?? []).enumerated() {
                let p = "\(path).matchFields[\(i)]"
                let key = expression["key"].stringValue ?? ""
                let values = expression["values"].arrayValue?.map { $0.stringValue ?? "" } ?? []
                let name = expression["operator"].stringValue ?? ""
                guard key == "metadata.name" else {
                    errors.append("\(p).key: Invalid value: \(goQuote(key)): not a valid field selector key")
                    continue
                }
                guard name == "In" || name == "NotIn" else {
                    errors.append("\(p).operator: Invalid value: \(goQuote(name)): not a valid selector operator")
                    continue
                }
                guard values.count == 1 else {
                    errors.append("\(p).values: Invalid value: \(goStrings(values)): must have one element")
                    continue
                }
                term.names.append((values[0], name == "In"))
            }
            terms.append(term)
        }
        if errors.count == 1 { throw SelectorError(errors[0]) }
        if errors.count > 1 { throw SelectorError("[" + errors.joined(separator: ", ") + "]") }
        self.terms = terms
    }

    public func matches(labels: [String: String], nodeName: String) -> Bool {
        terms.contains { term in
            guard !term.labels.isEmpty || !term.names.isEmpty else { return false }
            return term.labels.allSatisfy { $0.matches(labels) }
                && term.names.allSatisfy { ($0.value == nodeName) == $0.equals }
        }
    }
}
