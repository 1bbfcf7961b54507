import FerryJSON
import Foundation

extension KustomizeNameReference {
    /// `resources` with every reference to a generated object's generator name (same
    /// kind, same namespace) replaced by the object's hashed name. References to names
    /// no generator made are left as they are.
    static func rewrite(_ resources: [KustomizeResource], with references: [KustomizeNameReference]) -> [KustomizeResource] {
        var names: [String: String] = [:]
        for resource in resources {
            guard let original = resource.generatorName else { continue }
            names[key(resource.object["kind"].stringValue ?? "", resource.object["metadata"]["namespace"].stringValue, original)] =
                resource.object["metadata"]["name"].stringValue
        }
        guard !names.isEmpty else { return resources }
        return resources.map { resource in
            var resource = resource
            let object = resource.object
            let (group, version) = groupVersion(object["apiVersion"].stringValue ?? "")
            let namespace = object["metadata"]["namespace"].stringValue
            for reference in references {
                for spec in reference.fieldSpecs
                where (spec.kind == nil || spec.kind == object["kind"].stringValue)
                    && (spec.group == nil || spec.group == group) && (spec.version == nil || spec.version == version) {
                    rewrite(&resource.object, at: spec.path[...]) { names[key(reference.kind, namespace, $0)] }
                }
            }
            return resource
        }
    }

    private static func key(_ kind: String, _ namespace: String?, _ name: String) -> String {
        let namespace = (namespace ?? "").isEmpty ? "default" : namespace!
        return "\(kind)/\(namespace)/\(name)"
    }

    private static func groupVersion(_ apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }

    /// Walks `path` (through lists, element by element) and replaces the string at its
    /// end when `replacement` has a name for it.
    private static func rewrite(_ value: inout JSON, at path: ArraySlice<String>, _ replacement: (String) -> String?) {
        if case .array(var elements) = value {
            for index in elements.indices { rewrite(&elements[index], at: path, replacement) }
            value = .array(elements)
            return
        }
        guard let field = path.first else {
            if let name = value.stringValue, let renamed = replacement(name) { value = .string(renamed) }
            return
        }
        guard var child = value.objectValue?[field] else { return }
        rewrite(&child, at: path.dropFirst(), replacement)
        value[field] = child
    }
}
