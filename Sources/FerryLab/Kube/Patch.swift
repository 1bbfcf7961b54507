import FerryJSON

/// The patch formats the API accepts, by Content-Type.
public enum PatchType: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

/// A patch that cannot be applied. `message` reads like the apiserver's text for the
/// same failure (evanphx/json-patch for JSON patches, apimachinery's strategicpatch
/// for strategic merge), so kubectl users see familiar errors.
public struct PatchError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public init(message: String) { self.message = message }
}

public enum Patch {
    /// RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key,
    /// anything else (arrays included) replaces the target value.
    public static func merge(_ patch: JSON, into target: JSON) -> JSON {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchObject {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = merge(value, into: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// RFC 6902 JSON patch (add, remove, replace, move, copy, test), applied the way
    /// the apiserver's evanphx/json-patch v4 does, quirks included: negative array
    /// indices count from the end, `replace` of a missing object key adds it, and a
    /// `test` of a missing key passes only against `null`.
    public static func jsonPatch(_ operations: JSON, into target: JSON) throws(PatchError) -> JSON {
        guard case .array(let ops) = operations else {
            throw PatchError("json: cannot unmarshal \(goTypeName(operations)) into Go value of type jsonpatch.Patch")
        }
        var doc = target
        for op in ops {
            guard case .object(let fields) = op else {
                throw PatchError("json: cannot unmarshal \(goTypeName(op)) into Go value of type jsonpatch.Operation")
            }
            var pointer = JSONPointerDocument(root: doc)
            try pointer.apply(fields)
            doc = pointer.root
        }
        return doc
    }

    /// Kubernetes strategic merge patch on built-in kinds (see `Patch+Strategic.swift`).
    public static func strategicMerge(_ patch: JSON, into target: JSON) throws(PatchError) -> JSON {
        guard case .object(let patchObject) = patch else {
            throw PatchError("json: cannot unmarshal \(goTypeName(patch)) into Go value of type map[string]interface {}")
        }
        var merger = StrategicMerger()
        return .object(try merger.mergeMap(target.objectValue ?? [:], patchObject, path: []))
    }

    /// The name Go's encoding/json uses for a JSON value's type in unmarshal errors.
    static func goTypeName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Go's `%v` rendering of a decoded JSON value (`map[name:web]`), used in
    /// strategic-merge error messages.
    static func goDescription(_ value: JSON) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e21 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(goDescription).joined(separator: " ") + "]"
        case .object(let o):
            return "map[" + o.keys.sorted().map { "\($0):\(goDescription(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// JSON equality where 1 and 1.0 are the same number.
    static func looselyEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { looselyEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { looselyEqual(value, $0) } ?? false }
        default: return a == b
        }
    }
}
