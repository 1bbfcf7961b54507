import FerryJSON
import Foundation

/// The values in Git that a HelmRelease renders the workload from, and the edits that
/// make them say what the target node needs. ferry edits values, never the chart: a
/// chart is shared, often not in the repository, and upgraded on its own schedule.
///
/// Helm merges, in order, the chart's `values.yaml`, each `valuesFrom` entry, then
/// `spec.values`. A change is made wherever a source holds the value, so that no
/// later source puts the old one back.
struct HelmValues: Sendable {
    /// One source of values in Git.
    struct Source: Sendable {
        enum Place: Sendable {
            /// `spec.values` of the HelmRelease document, at this path.
            case inline([String])
            /// A YAML text under this key of a ConfigMap's `data` (`valuesFrom`).
            case text(key: String, text: String)
            /// A plain values file a `configMapGenerator` of this ConfigMap reads.
            case file(configMap: String)
        }

        var document: GitManifest
        var place: Place
        var values: JSON

        var description: String {
            switch place {
            case .inline: "spec.values of HelmRelease \(document.name) (\(document.file))"
            case .text(let key, _): "\(key) of ConfigMap \(document.name) (\(document.file), valuesFrom)"
            case .file(let configMap): "\(document.file) (generated into ConfigMap \(configMap), valuesFrom)"
            }
        }
    }

    /// What a rendered object needs changed, as the values can say it.
    enum Need: Sendable {
        /// A scalar the values hold as it is rendered (a node's hostname).
        case value(old: String, new: String)
        /// A key to drop, wherever it is (`runtimeClassName`, `nvidia.com/gpu`), with
        /// the scalar it holds when one is known.
        case key(String, value: String?)
        /// Text inside a string value (a config file's preset).
        case text(from: String, to: String)
    }

    var release: MigrationPlan.ObjectRef
    var sources: [Source]

    /// The edits, in every source that holds what `need` names; empty when none does.
    func changes(for need: Need) -> [MigrationPlan.ManifestChange] {
        sources.flatMap { source -> [MigrationPlan.ManifestChange] in
            let file = source.document.file
            let document = source.document.selector
            switch source.place {
            case .inline(let base):
                return Self.edits(in: source.values, need).map {
                    MigrationPlan.ManifestChange(file: file, document: document, path: base + $0.path, edit: $0.edit)
                }
            case .file:
                return Self.edits(in: source.values, need).map {
                    MigrationPlan.ManifestChange(file: file, document: nil, path: $0.path, edit: $0.edit)
                }
            case .text(let key, let text):
                return Self.textEdits(in: text, values: source.values, need).map {
                    MigrationPlan.ManifestChange(file: file, document: document, path: ["data", key], edit: $0)
                }
            }
        }
    }

    /// Where in a values tree `need` applies, as paths in the manifest's own terms
    /// (mapping keys by name, sequence items by index).
    static func edits(in values: JSON, _ need: Need) -> [(path: [String], edit: MigrationPlan.ManifestChange.Edit)] {
        var found: [(path: [String], edit: MigrationPlan.ManifestChange.Edit)] = []
        walk(values, []) { path, value in
            switch need {
            case .value(let old, let new):
                if value.stringValue == old { found.append((path, .set(new))) }
            case .key(let key, let scalar):
                if path.last == key, scalar == nil || value.stringValue == scalar || value.scalarText == scalar { found.append((path, .remove)) }
            case .text(let from, let to):
                if let text = value.stringValue, text.contains(from) { found.append((path, .replace(from: from, to: to))) }
            }
        }
        return found
    }

    /// The same inside values written as YAML text: a text replacement of the value or
    /// the line, since the text is one string to the manifest. A key is dropped with its
    /// line, only when its value sits on that line (a mapping below it is left, and
    /// reported by the caller as not expressible).
    static func textEdits(in text: String, values: JSON, _ need: Need) -> [MigrationPlan.ManifestChange.Edit] {
        switch need {
        case .value(let old, let new):
            return edits(in: values, need).isEmpty ? [] : [.replace(from: old, to: new)]
        case .text(let from, let to):
            return text.contains(from) ? [.replace(from: from, to: to)] : []
        case .key(let key, let scalar):
            guard !edits(in: values, need).isEmpty else { return [] }
            var lines: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.drop { $0 == " " }
                for prefix in ["\(key):", "\"\(key)\":", "'\(key)':"] where trimmed.hasPrefix(prefix) {
                    let rest = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                    let bare = rest.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                    if !rest.isEmpty, !rest.hasPrefix("#"), scalar == nil || bare == scalar { lines.append(String(line)) }
                }
            }
            return lines.map { .replace(from: $0 + "\n", to: "") }
        }
    }

    /// Every mapping entry and sequence item, depth first, with its path.
    private static func walk(_ value: JSON, _ path: [String], _ visit: ([String], JSON) -> Void) {
        if !path.isEmpty { visit(path, value) }
        if let object = value.objectValue {
            for key in object.keys.sorted() { walk(object[key]!, path + [key], visit) }
        } else if let array = value.arrayValue {
            for (index, item) in array.enumerated() { walk(item, path + [String(index)], visit) }
        }
    }
}

private extension JSON {
    /// A number or boolean as YAML writes it (`1`, `true`), for keys whose value is
    /// compared with a rendered quantity.
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: serialized
        }
    }
}
