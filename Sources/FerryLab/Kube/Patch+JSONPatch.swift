import FerryJSON

/// The RFC 6902 engine behind `Patch.jsonPatch`, modelled on evanphx/json-patch v4
/// (the library the apiserver uses) so that successes and error texts match.
struct JSONPointerDocument {
    var root: JSON

    private static let missing = "missing value"

    mutating func apply(_ op: [String: JSON]) throws(PatchError) {
        let kind = op["op"]?.stringValue ?? "unknown"
        switch kind {
        case "add": try add(op)
        case "remove": try remove(op)
        case "replace": try replace(op)
        case "move": try move(op)
        case "copy": try copy(op)
        case "test": try test(op)
        default: throw PatchError("Unexpected kind: \(kind)")
        }
    }

    // MARK: Operations

    private mutating func add(_ op: [String: JSON]) throws(PatchError) {
        guard let path = try? Self.string(op, "path", missing: "operation missing path field") else {
            throw PatchError("add operation failed to decode path: \(Self.missing)")
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("add operation does not apply: doc is missing path: \"\(path)\": \(Self.missing)")
        }
        let value = op["value"] ?? .null
        try Self.modify(&root, parents[...]) { (container: inout JSON) throws(PatchError) in
            do throws(PatchError) { try Self.add(key, value, to: &container) } catch {
                throw PatchError("error in add for path: '\(path)': \(error.message)")
            }
        }
    }

    private mutating func remove(_ op: [String: JSON]) throws(PatchError) {
        guard let path = try? Self.string(op, "path", missing: "operation missing path field") else {
            throw PatchError("remove operation failed to decode path: \(Self.missing)")
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("remove operation does not apply: doc is missing path: \"\(path)\": \(Self.missing)")
        }
        try Self.modify(&root, parents[...]) { (container: inout JSON) throws(PatchError) in
            do throws(PatchError) { try Self.remove(key, from: &container) } catch {
                throw PatchError("error in remove for path: '\(path)': \(error.message)")
            }
        }
    }

    private mutating func replace(_ op: [String: JSON]) throws(PatchError) {
        let path: String
        do throws(PatchError) { path = try Self.string(op, "path", missing: "operation missing path field") } catch {
            throw PatchError("replace operation failed to decode path: \(error.message)")
        }
        let value = op["value"] ?? .null
        if path.isEmpty {
            // evanphx replaces the whole document only with an object or array and
            // silently ignores anything else.
            if value.objectValue != nil || value.arrayValue != nil { root = value }
            return
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("replace operation does not apply: doc is missing path: \(path): \(Self.missing)")
        }
        try Self.modify(&root, parents[...]) { (container: inout JSON) throws(PatchError) in
            do throws(PatchError) { _ = try Self.get(key, in: container) } catch {
                throw PatchError("replace operation does not apply: doc is missing key: \(path): \(Self.missing)")
            }
            do throws(PatchError) { try Self.set(key, value, in: &container) } catch {
                throw PatchError("error in remove for path: '\(path)': \(error.message)")
            }
        }
    }

    private mutating func move(_ op: [String: JSON]) throws(PatchError) {
        let from: String
        do throws(PatchError) { from = try Self.string(op, "from", missing: "operation, missing from field") } catch {
            throw PatchError("move operation failed to decode from: \(error.message)")
        }
        guard let (fromParents, fromKey) = locate(from) else {
            throw PatchError("move operation does not apply: doc is missing from path: \(from): \(Self.missing)")
        }
        var moved: JSON = .null
        try Self.modify(&root, fromParents[...]) { (container: inout JSON) throws(PatchError) in
            do throws(PatchError) {
                moved = try Self.get(fromKey, in: container) ?? .null
                try Self.remove(fromKey, from: &container)
            } catch {
                throw PatchError("error in move for path: '\(fromKey)': \(error.message)")
            }
        }
        let path: String
        do throws(PatchError) { path = try Self.string(op, "path", missing: "operation missing path field") } catch {
            throw PatchError("move operation failed to decode path: \(error.message)")
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("move operation does not apply: doc is missing destination path: \(path): \(Self.missing)")
        }
        try Self.modify(&root, parents[...]) { [moved] (container: inout JSON) throws(PatchError) in
            do throws(PatchError) { try Self.add(key, moved, to: &container) } catch {
                throw PatchError("error in move for path: '\(path)': \(error.message)")
            }
        }
    }

    private mutating func copy(_ op: [String: JSON]) throws(PatchError) {
        let from: String
        do throws(PatchError) { from = try Self.string(op, "from", missing: "operation, missing from field") } catch {
            throw PatchError("copy operation failed to decode from: \(error.message)")
        }
        guard let (fromParents, fromKey) = locate(from) else {
            throw PatchError("copy operation does not apply: doc is missing from path: \(from): \(Self.missing)")
        }
        let copied: JSON
        do throws(PatchError) { copied = try Self.get(fromKey, in: Self.value(at: fromParents, in: root)) ?? .null } catch {
            throw PatchError("error in copy for from: '\(from)': \(error.message)")
        }
        guard let path = try? Self.string(op, "path", missing: "operation missing path field") else {
            throw PatchError("copy operation failed to decode path: \(Self.missing)")
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("copy operation does not apply: doc is missing destination path: \(path): \(Self.missing)")
        }
        try Self.modify(&root, parents[...]) { (container: inout JSON) throws(PatchError) in
            do throws(PatchError) { try Self.add(key, copied, to: &container) } catch {
                throw PatchError("error while adding value during copy: \(error.message)")
            }
        }
    }

    private func test(_ op: [String: JSON]) throws(PatchError) {
        let path: String
        do throws(PatchError) { path = try Self.string(op, "path", missing: "operation missing path field") } catch {
            throw PatchError("test operation failed to decode path: \(error.message)")
        }
        let expected = op["value"] ?? .null
        let failed = PatchError("testing value \(path) failed: test failed")
        if path.isEmpty {
            guard Patch.looselyEqual(root, expected) else { throw failed }
            return
        }
        guard let (parents, key) = locate(path) else {
            throw PatchError("test operation does not apply: is missing path: \(path): \(Self.missing)")
        }
        let actual: JSON?
        do throws(PatchError) { actual = try Self.get(key, in: Self.value(at: parents, in: root)) } catch {
            throw PatchError("error in test for path: '\(path)': \(error.message)")
        }
        // A missing key and an explicit null both read as "no value".
        let present = actual.flatMap { $0.isNull ? nil : $0 }
        switch (present, expected) {
        case (nil, .null): return
        case (nil, _), (_, .null): throw failed
        case (let value?, _): guard Patch.looselyEqual(value, expected) else { throw failed }
        }
    }

    // MARK: Pointers

    /// evanphx's findObject: the containers leading to the last token, or nil when
    /// any of them is missing or is not an object or array.
    private func locate(_ path: String) -> ([String], String)? {
        let split = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard split.count >= 2 else { return nil }
        let parents = split[1..<(split.count - 1)].map(Self.decodeToken)
        var current = root
        for part in parents {
            guard let next = try? Self.get(part, in: current), !next.isNull else { return nil }
            current = next
        }
        guard current.objectValue != nil || current.arrayValue != nil else { return nil }
        return (parents, Self.decodeToken(split[split.count - 1]))
    }

    /// RFC 6901 unescaping, left to right: `~1` is `/`, `~0` is `~`.
    static func decodeToken(_ token: String) -> String {
        guard token.contains("~") else { return token }
        var out = ""
        var iterator = token.makeIterator()
        while let c = iterator.next() {
            guard c == "~" else { out.append(c); continue }
            switch iterator.next() {
            case "1": out.append("/")
            case "0": out.append("~")
            case let other?: out.append("~"); out.append(other)
            case nil: out.append("~")
            }
        }
        return out
    }

    private static func string(_ op: [String: JSON], _ field: String, missing: String) throws(PatchError) -> String {
        guard let value = op[field], !value.isNull else { throw PatchError("\(missing): \(Self.missing)") }
        guard let s = value.stringValue else {
            throw PatchError("json: cannot unmarshal \(Patch.goTypeName(value)) into Go value of type string")
        }
        return s
    }

    private static func value(at parents: [String], in root: JSON) -> JSON {
        var current = root
        for part in parents { current = (try? get(part, in: current)).flatMap { $0 } ?? .null }
        return current
    }

    private static func modify(
        _ value: inout JSON, _ parents: ArraySlice<String>, _ body: (inout JSON) throws(PatchError) -> Void
    ) throws(PatchError) {
        guard let first = parents.first else { return try body(&value) }
        switch value {
        case .object(var object):
            var child = object[first] ?? .null
            object[first] = .null
            try modify(&child, parents.dropFirst(), body)
            object[first] = child
            value = .object(object)
        case .array(var array):
            let index = try arrayIndex(first, count: array.count)
            var child = array[index]
            array[index] = .null
            try modify(&child, parents.dropFirst(), body)
            array[index] = child
            value = .array(array)
        default:
            return
        }
    }

    // MARK: Container primitives (partialDoc / partialArray)

    private static func invalidIndex(_ index: Int) -> PatchError {
        PatchError("Unable to access invalid index: \(index): invalid index referenced")
    }

    private static func atoi(_ key: String) throws(PatchError) -> Int {
        guard let index = Int(key) else { throw PatchError("strconv.Atoi: parsing \"\(key)\": invalid syntax") }
        return index
    }

    private static func arrayIndex(_ key: String, count: Int) throws(PatchError) -> Int {
        var index = try atoi(key)
        if index < 0 {
            guard index >= -count else { throw invalidIndex(index) }
            index += count
        }
        guard index < count else { throw invalidIndex(index) }
        return index
    }

    static func get(_ key: String, in container: JSON) throws(PatchError) -> JSON? {
        switch container {
        case .object(let object): return object[key]
        case .array(let array): return array[try arrayIndex(key, count: array.count)]
        default: return nil
        }
    }

    private static func set(_ key: String, _ value: JSON, in container: inout JSON) throws(PatchError) {
        switch container {
        case .object(var object):
            object[key] = value
            container = .object(object)
        case .array(var array):
            array[try arrayIndex(key, count: array.count)] = value
            container = .array(array)
        default: break
        }
    }

    private static func add(_ key: String, _ value: JSON, to container: inout JSON) throws(PatchError) {
        switch container {
        case .object(var object):
            object[key] = value
            container = .object(object)
        case .array(var array):
            if key == "-" {
                array.append(value)
            } else {
                let size = array.count + 1
                var index: Int
                do throws(PatchError) { index = try atoi(key) } catch {
                    throw PatchError("value was not a proper array index: '\(key)': \(error.message)")
                }
                guard index < size else { throw invalidIndex(index) }
                if index < 0 {
                    guard index >= -size else { throw invalidIndex(index) }
                    index += size
                }
                array.insert(value, at: index)
            }
            container = .array(array)
        default: break
        }
    }

    private static func remove(_ key: String, from container: inout JSON) throws(PatchError) {
        switch container {
        case .object(var object):
            guard object.removeValue(forKey: key) != nil else {
                throw PatchError("Unable to remove nonexistent key: \(key): \(missing)")
            }
            container = .object(object)
        case .array(var array):
            array.remove(at: try arrayIndex(key, count: array.count))
            container = .array(array)
        default: break
        }
    }
}
