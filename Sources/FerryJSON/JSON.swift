import Foundation

/// A JSON document kept as a value.
///
/// The lab's API servers store every object as `JSON` rather than as typed models:
/// like a real apiserver they must keep fields they do not understand, and patches,
/// selectors and field paths work on the generic tree. Integers and doubles are
/// distinct cases so that `replicas: 1` never comes back as `1.0`.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public static let emptyObject = JSON.object([:])
}

// MARK: - Typed views

extension JSON {
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [String: JSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// Member access that yields `.null` for missing keys and non-objects, so that
    /// deep reads such as `pod["spec"]["nodeName"].stringValue` need no unwrapping.
    public subscript(key: String) -> JSON {
        get { objectValue?[key] ?? .null }
        set {
            var object = objectValue ?? [:]
            object[key] = newValue
            self = .object(object)
        }
    }

    /// Reads or writes the value at a path of object keys; writing creates the
    /// intermediate objects, writing `nil` removes the last key.
    public subscript(path path: [String]) -> JSON? {
        get {
            var current = self
            for key in path {
                guard let next = current.objectValue?[key] else { return nil }
                current = next
            }
            return current
        }
        set {
            guard let first = path.first else {
                self = newValue ?? .null
                return
            }
            var object = objectValue ?? [:]
            if path.count == 1 {
                object[first] = newValue
            } else {
                var child = object[first] ?? .emptyObject
                if child.objectValue == nil { child = .emptyObject }
                child[path: Array(path.dropFirst())] = newValue
                object[first] = child
            }
            self = .object(object)
        }
    }

    /// Removes a key from an object; a no-op on anything else.
    public mutating func removeValue(forKey key: String) {
        guard var object = objectValue else { return }
        object.removeValue(forKey: key)
        self = .object(object)
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}
