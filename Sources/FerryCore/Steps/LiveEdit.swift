import FerryJSON

/// A plan's edit made to an object as the API returns it rather than to its YAML: the
/// path's components are mapping keys, list indexes, or `FIELD=VALUE` choosing an item
/// of a list of named items, as in `manifestChanges`.
enum LiveEdit {
    /// The value at `path`, nil when any part of it is missing.
    static func value(at path: [String], in json: JSON) -> JSON? {
        var current = json
        for component in path {
            switch current {
            case .array(let items):
                guard let index = index(of: component, in: items) else { return nil }
                current = items[index]
            case .object(let object):
                guard let child = object[component] else { return nil }
                current = child
            default:
                return nil
            }
        }
        return current
    }

    /// Makes `edit` at `path`. `set` writes text, or a number or boolean where the
    /// field holds one and the text reads as one; `replace` changes a string field.
    static func apply(_ edit: MigrationPlan.ManifestChange.Edit, at path: [String], to json: inout JSON) {
        switch edit {
        case .remove:
            change(&json, path[...]) { _ in nil }
        case .set(let text):
            change(&json, path[...]) { old in typed(text, like: old) }
        case .replace(let from, let to):
            change(&json, path[...]) { old in old?.stringValue.map { .string($0.replacingOccurrences(of: from, with: to)) } ?? old }
        }
    }

    /// How much of `path` exists: its length when the value is there, else the length
    /// of its first missing part, which undo removes so that mappings an edit created
    /// (an empty `nodeSelector`) go with it.
    static func existingDepth(of path: [String], in json: JSON) -> Int {
        for depth in 1...max(path.count, 1) where value(at: Array(path.prefix(depth)), in: json) == nil { return depth }
        return path.count
    }

    /// Puts `value` (nil: nothing) back at `path`: how a rollback undoes `apply`.
    static func restore(_ value: JSON?, at path: [String], in json: inout JSON) {
        change(&json, path[...]) { _ in value }
    }

    private static func typed(_ text: String, like old: JSON?) -> JSON {
        switch old {
        case .int: Int64(text).map { .int($0) } ?? .string(text)
        case .double: Double(text).map { .double($0) } ?? .string(text)
        case .bool: Bool(text).map { .bool($0) } ?? .string(text)
        default: .string(text)
        }
    }

    private static func index(of component: String, in items: [JSON]) -> Int? {
        if let number = Int(component) { return items.indices.contains(number) ? number : nil }
        guard let equals = component.firstIndex(of: "=") else { return nil }
        let key = String(component[..<equals])
        let value = String(component[component.index(after: equals)...])
        return items.firstIndex { $0[key].stringValue == value }
    }

    /// Changes the value at `path`; nil from `change` removes it. A path that does not
    /// exist is left alone, except that missing mappings are created for a value.
    private static func change(_ json: inout JSON, _ path: ArraySlice<String>, _ change: (JSON?) -> JSON?) {
        guard let head = path.first else { return }
        let rest = path.dropFirst()
        switch json {
        case .array(var items):
            guard let index = index(of: head, in: items) else { return }
            if rest.isEmpty {
                if let new = change(items[index]) { items[index] = new } else { items.remove(at: index) }
            } else {
                Self.change(&items[index], rest, change)
            }
            json = .array(items)
        case .object(var object):
            if rest.isEmpty {
                object[head] = change(object[head])
            } else {
                var child = object[head] ?? .object([:])
                Self.change(&child, rest, change)
                if object[head] != nil || child != .object([:]) { object[head] = child }
            }
            json = .object(object)
        default:
            return
        }
    }
}
