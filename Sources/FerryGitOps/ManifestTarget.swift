import FerryJSON

/// Where an edit's path leads in one document: the node it names, or, for a `set`
/// of a field that is not there yet, the node the missing keys go under.
struct ManifestTarget {
    /// One step down the path: the container passed through and the entry or item taken.
    struct Hop {
        var container: OutlineNode
        var index: Int
        var step: JSONStep
    }

    enum JSONStep: Hashable {
        case key(String)
        case index(Int)
    }

    var hops: [Hop]
    /// The node the path names; when keys are missing, the node that will hold them.
    var node: OutlineNode
    var json: JSON
    /// Keys to create under `node` (a `set` of a field that does not exist yet).
    var missing: [String]

    var steps: [JSONStep] { hops.map(\.step) + missing.map(JSONStep.key) }

    /// Follows `path` from the document's root. Errors name the component that is not
    /// there and point at the node that lacks it.
    static func resolve(
        _ path: ManifestPath, in document: ManifestDocument, creating: Bool, file: String
    ) throws(ManifestEditError) -> ManifestTarget {
        var target = ManifestTarget(hops: [], node: document.root, json: document.json, missing: [])
        let components = path.components
        for (position, component) in components.enumerated() {
            let here = ManifestPath.display(components[..<position])
            let rest = components[position...]
            let canCreate = creating && rest.allSatisfy { if case .key = $0 { true } else { false } }
            switch target.node {
            case .mapping(let mapping):
                let key = component.text
                guard let index = mapping.entries.firstIndex(where: { $0.key == key }) else {
                    if canCreate {
                        target.missing = rest.map(\.text)
                        return target
                    }
                    let keys = mapping.entries.map(\.key)
                    throw .notFound(file, mapping.start, "\(here) has no field \"\(key)\"",
                                    hint: "its fields are " + list(keys))
                }
                target.hops.append(Hop(container: target.node, index: index, step: .key(key)))
                target.node = mapping.entries[index].value
                target.json = target.json.objectValue?[key] ?? .null
            case .sequence(let sequence):
                let items = target.json.arrayValue ?? []
                let index: Int
                switch component {
                case .index(let wanted):
                    guard wanted < sequence.items.count else {
                        throw .notFound(file, sequence.start,
                                        "\(here) has \(count(sequence.items.count, "item")); there is no item \(wanted)",
                                        hint: "items are counted from 0")
                    }
                    index = wanted
                case .item(let field, let value):
                    let matches = items.indices.filter { scalarText(items[$0][field]) == value }
                    guard matches.count == 1, let match = matches.first else {
                        let values = items.compactMap { scalarText($0[field]) }
                        if matches.isEmpty {
                            throw .notFound(file, sequence.start, "\(here) has no item with \(field)=\(value)",
                                            hint: values.isEmpty ? "its items have no field \"\(field)\""
                                                : "its items' \(field) values are " + list(values))
                        }
                        throw .notFound(file, sequence.start, "\(here) has \(matches.count) items with \(field)=\(value)",
                                        hint: "choose one by its index (from 0) instead")
                    }
                    index = match
                case .key(let key):
                    throw .typeMismatch(file, sequence.start, "\(here) is a list, so it has no field \"\(key)\"",
                                        hint: "choose an item by its index (0, 1, ...) or by name=VALUE")
                }
                target.hops.append(Hop(container: target.node, index: index, step: .index(index)))
                target.node = sequence.items[index].value
                target.json = index < items.count ? items[index] : .null
            case .empty(let point):
                if canCreate {
                    target.missing = rest.map(\.text)
                    return target
                }
                throw .notFound(file, point, "\(here) is empty, so it has no \(describe(component))")
            case .flow(let flow):
                if canCreate, flow.isEmpty, target.json.objectValue != nil {
                    target.missing = rest.map(\.text)
                    return target
                }
                throw flowStyle(here, flow, file: file)
            case .scalar, .blockScalar:
                throw .typeMismatch(file, target.node.start,
                                    "\(here) is \(ManifestScalar.describe(target.json)), so it has no \(describe(component))")
            }
        }
        return target
    }

    static func flowStyle(_ here: String, _ flow: OutlineFlow, file: String) -> ManifestEditError {
        .notEditableInPlace(file, flow.start, "\(here) is written in flow style ([...] or {...}), which ferry does not edit in place",
                            hint: "rewrite it in block style (one \"key: value\" or \"- item\" per line), commit, and run again")
    }

    static func describe(_ component: ManifestPath.Component) -> String {
        switch component {
        case .key(let key): "field \"\(key)\""
        case .index(let index): "item \(index)"
        case .item(let field, let value): "item \(field)=\(value)"
        }
    }

    static func scalarText(_ value: JSON) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): String(flag)
        default: nil
        }
    }

    static func count(_ number: Int, _ noun: String) -> String { number == 1 ? "1 \(noun)" : "\(number) \(noun)s" }

    static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", ..." : "")
    }
}
