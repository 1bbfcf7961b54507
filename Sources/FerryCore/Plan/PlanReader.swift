import FerryJSON

/// Reads typed fields out of a positioned YAML document and collects a problem for
/// each field that is missing, of the wrong type or not valid, instead of stopping
/// at the first: a person fixing a plan wants the whole list.
///
/// Every accessor returns nil when the field is absent or wrong (having reported the
/// latter), so the parser carries on with the rest of the file.
struct PlanReader {
    let document: YAMLDocument
    let file: String
    private(set) var problems: [PlanProblem] = []

    init(document: YAMLDocument, file: String) {
        self.document = document
        self.file = file
    }

    // MARK: Reporting

    mutating func report(
        _ kind: PlanProblem.Kind, at path: [String], onKey: Bool = false, _ message: String, hint: String? = nil
    ) {
        let position = (onKey ? document.keyPosition(of: path) : document.position(of: path))
            ?? document.nearestPosition(of: path)
        problems.append(PlanProblem(
            kind: kind, file: file, line: position.line, column: position.column, path: Self.display(path),
            message: message, hint: hint))
    }

    mutating func report(_ failure: PlanValidation.Failure, at path: [String]) {
        report(.invalidValue, at: path, failure.message, hint: failure.hint)
    }

    /// `["devices", "0", "ids", "1"]` -> `devices[0].ids[1]`.
    static func display(_ path: [String]) -> String {
        var text = ""
        for segment in path {
            if !segment.isEmpty, segment.allSatisfy(\.isNumber) {
                text += "[\(segment)]"
            } else {
                text += text.isEmpty ? PlanValidation.cut(segment) : ".\(PlanValidation.cut(segment))"
            }
        }
        return text
    }

    // MARK: Values

    /// The value at `path`; nil when absent or null (`key:` with nothing after it).
    func value(_ path: [String]) -> JSON? {
        var node = document.root
        for segment in path {
            switch node {
            case .object(let object):
                guard let next = object[segment] else { return nil }
                node = next
            case .array(let array):
                guard let index = Int(segment), array.indices.contains(index) else { return nil }
                node = array[index]
            default:
                return nil
            }
        }
        if node == .null { return Optional.none }  // `nil` alone would be JSON.null: JSON is nil-literal expressible
        return node
    }

    func has(_ path: [String]) -> Bool { value(path) != nil }

    /// A mapping whose keys are checked against `keys`; unknown keys are reported with
    /// the closest known key as a hint.
    mutating func mapping(_ path: [String], keys: [String], required: Bool = true) -> [String: JSON]? {
        guard let value = value(path) else {
            if required { missing(path) }
            return nil
        }
        guard case .object(let object) = value else {
            wrongType(path, expected: "a mapping", found: value)
            return nil
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            unknownKey(path + [key], known: keys)
        }
        return object
    }

    mutating func unknownKey(_ path: [String], known: [String], hint extra: String? = nil) {
        let key = path.last ?? ""
        let hint = extra ?? PlanValidation.suggestion(for: key, among: known).map { "did you mean \"\($0)\"?" }
            ?? "expected one of: " + known.joined(separator: ", ")
        report(.unknownKey, at: path, onKey: true, "unknown key \(PlanValidation.quoted(key))", hint: hint)
    }

    /// A list; its items are read by the caller at `path + [String(index)]`.
    mutating func list(_ path: [String], required: Bool = false) -> [JSON]? {
        guard let value = value(path) else {
            if required { missing(path) }
            return nil
        }
        guard case .array(let items) = value else {
            wrongType(path, expected: "a list", found: value)
            return nil
        }
        return items
    }

    /// A string. Numbers are taken as written (`0000:01:00.0` or `1.0` are read by YAML as
    /// numbers); booleans, lists and mappings are wrong.
    mutating func string(_ path: [String], required: Bool = true) -> String? {
        guard let value = value(path) else {
            if required { missing(path) }
            return nil
        }
        switch value {
        case .string(let text): return text
        case .int, .double: return document.scalarText(at: path) ?? value.serialized
        default:
            wrongType(path, expected: "a string", found: value)
            return nil
        }
    }

    /// A string checked by `rule`; nil (reported) when it fails.
    mutating func string(
        _ path: [String], required: Bool = true, _ rule: (String) -> PlanValidation.Failure?
    ) -> String? {
        guard let text = string(path, required: required) else { return nil }
        if let failure = rule(text) {
            report(failure, at: path)
            return nil
        }
        return text
    }

    mutating func int(_ path: [String], required: Bool = true) -> Int? {
        guard let value = value(path) else {
            if required { missing(path) }
            return nil
        }
        guard case .int(let number) = value, let result = Int(exactly: number) else {
            let hint = value.stringValue.flatMap { Int($0) }.map { "write it without quotes: \($0)" }
            wrongType(path, expected: "an integer", found: value, hint: hint)
            return nil
        }
        return result
    }

    mutating func bool(_ path: [String]) -> Bool? {
        guard let value = value(path) else { return nil }
        guard case .bool(let flag) = value else {
            wrongType(path, expected: "true or false", found: value)
            return nil
        }
        return flag
    }

    mutating func duration(_ path: [String]) -> PlanDuration? {
        guard let value = value(path) else { return nil }
        if case .int(let number) = value {
            report(.invalidValue, at: path, "\(number) has no unit", hint: "write a unit: \(number)s, \(number)m or \(number)h")
            return nil
        }
        guard let text = string(path) else { return nil }
        switch PlanValidation.duration(text) {
        case .success(let duration): return duration
        case .failure(let failure):
            report(failure, at: path)
            return nil
        }
    }

    /// One of an enum's raw values, with the accepted ones as the hint.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ path: [String], _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(path, required: false) else { return nil }
        if let value = T(rawValue: text) { return value }
        let accepted = T.allCases.map(\.rawValue)
        let close = PlanValidation.suggestion(for: text, among: accepted).map { "did you mean \"\($0)\"? " } ?? ""
        report(.invalidValue, at: path, "\(PlanValidation.quoted(text)) is not accepted here",
               hint: close + "expected one of: " + accepted.joined(separator: ", "))
        return nil
    }

    /// A required field that is absent (reported at the mapping that lacks it) or written
    /// without a value (reported at its key).
    mutating func missing(_ path: [String]) {
        let name = path.last ?? ""
        if document.position(of: path) != nil {
            report(.missing, at: path, onKey: true, "\"\(name)\" has no value")
        } else {
            report(.missing, at: Array(path.dropLast()), "missing required field \"\(name)\"")
        }
    }

    mutating func wrongType(_ path: [String], expected: String, found: JSON, hint: String? = nil) {
        report(.wrongType, at: path, "expected \(expected), found \(Self.describe(found))", hint: hint)
    }

    static func describe(_ value: JSON) -> String {
        switch value {
        case .null: "nothing"
        case .bool(let flag): "a boolean (\(flag))"
        case .int(let number): "an integer (\(number))"
        case .double(let number): "a number (\(number))"
        case .string(let text): "a string (\(PlanValidation.quoted(text)))"
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}
