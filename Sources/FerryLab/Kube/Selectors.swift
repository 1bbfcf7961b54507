import FerryJSON

/// A selector that cannot be parsed or validated; `message` reads like
/// k8s.io/apimachinery's text for the same mistake.
public struct SelectorError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public init(message: String) { self.message = message }
}

/// Label selectors as in `?labelSelector=` and in metav1.LabelSelector.
public struct LabelSelector: Sendable {
    var requirements: [LabelRequirement]
    /// A nil metav1.LabelSelector selects nothing; an empty one selects everything.
    var selectsNothing: Bool

    init(requirements: [LabelRequirement], selectsNothing: Bool = false) {
        self.requirements = requirements
        self.selectsNothing = selectsNothing
    }

    public static let everything = LabelSelector(requirements: [])
    public static let nothing = LabelSelector(requirements: [], selectsNothing: true)

    /// Parses the string form: `a=b,c!=d,e in (x,y),f notin (z),g,!h`, also `==`,
    /// and `gt`/`lt` as `x>1`, `x<1`. The empty string selects everything.
    public init(parsing text: String) throws(SelectorError) {
        var parser = LabelSelectorParser(text)
        self.init(requirements: try parser.parse())
    }

    /// metav1.LabelSelector: `{matchLabels: {}, matchExpressions: [{key, operator, values}]}`,
    /// ANDed. `null` selects nothing; `{}` selects everything.
    public init(json: JSON) throws(SelectorError) {
        if json.isNull { self = .nothing; return }
        guard let object = json.objectValue else {
            throw SelectorError("json: cannot unmarshal \(Patch.goTypeName(json)) into Go value of type v1.LabelSelector")
        }
        var requirements: [LabelRequirement] = []
        let matchLabels = object["matchLabels"]?.objectValue ?? [:]
        for key in matchLabels.keys.sorted() {
            let value = matchLabels[key]!.stringValue ?? ""
            requirements.append(try LabelRequirement.make(key: key, op: .equals, values: [value]))
        }
        for expression in object["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"].stringValue ?? ""
            let name = expression["operator"].stringValue ?? ""
            let op: LabelRequirement.Operator
            switch name {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: throw SelectorError("\(goQuote(name)) is not a valid label selector operator")
            }
            let values = expression["values"].arrayValue?.map { $0.stringValue ?? "" }
            requirements.append(try LabelRequirement.make(key: key, op: op, values: values))
        }
        self.init(requirements: requirements)
    }

    public func matches(_ labels: [String: String]) -> Bool {
        !selectsNothing && requirements.allSatisfy { $0.matches(labels) }
    }

    public var isEverything: Bool { !selectsNothing && requirements.isEmpty }
}

/// One requirement of a label selector (labels.Requirement).
struct LabelRequirement: Sendable, Hashable {
    enum Operator: String, Sendable {
        case `in` = "in", notIn = "notin", equals = "=", doubleEquals = "==", notEquals = "!="
        case exists = "exists", doesNotExist = "!", greaterThan = "gt", lessThan = "lt"
    }

    var key: String
    var op: Operator
    var values: [String]

    /// labels.NewRequirement: validates the key, the value count for the operator,
    /// and each value. `path` prefixes field paths in messages (node affinity terms).
    static func make(key: String, op: Operator, values: [String]?, path: String = "") throws(SelectorError)
        -> LabelRequirement
    {
        var errors: [String] = []
        let list = values ?? []
        if let error = LabelValidation.keyError(key, path: child(path, "key")) { errors.append(error) }
        let valuesPath = child(path, "values")
        switch op {
        case .in, .notIn:
            if list.isEmpty {
                errors.append("\(valuesPath): Invalid value: \(goStrings(values)): for 'in', 'notin' operators, values set can't be empty")
            }
        case .equals, .doubleEquals, .notEquals:
            if list.count != 1 {
                errors.append("\(valuesPath): Invalid value: \(goStrings(values)): exact-match compatibility requires one single value")
            }
        case .exists, .doesNotExist:
            if !list.isEmpty {
                errors.append("\(valuesPath): Invalid value: \(goStrings(values)): values set must be empty for exists and does not exist")
            }
        case .greaterThan, .lessThan:
            if list.count != 1 {
                errors.append("\(valuesPath): Invalid value: \(goStrings(values)): for 'Gt', 'Lt' operators, exactly one value is required")
            }
            for (i, value) in list.enumerated() where Int64(value) == nil {
                errors.append("\(valuesPath)[\(i)]: Invalid value: \(goQuote(value)): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        for (i, value) in list.enumerated() {
            if let error = LabelValidation.valueError(value) {
                errors.append("\(valuesPath)[\(i)][\(key)]: Invalid value: \(goQuote(value)): \(error)")
            }
        }
        if errors.count == 1 { throw SelectorError(errors[0]) }
        if errors.count > 1 { throw SelectorError("[" + errors.joined(separator: ", ") + "]") }
        return LabelRequirement(key: key, op: op, values: list)
    }

    func matches(_ labels: [String: String]) -> Bool {
        switch op {
        case .in, .equals, .doubleEquals:
            guard let value = labels[key] else { return false }
            return values.contains(value)
        case .notIn, .notEquals:
            guard let value = labels[key] else { return true }
            return !values.contains(value)
        case .exists: return labels[key] != nil
        case .doesNotExist: return labels[key] == nil
        case .greaterThan, .lessThan:
            guard let label = labels[key], let have = Int64(label), values.count == 1, let want = Int64(values[0])
            else { return false }
            return op == .greaterThan ? have > want : have < want
        }
    }

    static func child(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
}

/// Go's `%q` for a string.
func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Go's `%#v` for a `[]string`.
func goStrings(_ values: [String]?) -> String {
    guard let values else { return "[]string(nil)" }
    return "[]string{" + values.map(goQuote).joined(separator: ", ") + "}"
}
