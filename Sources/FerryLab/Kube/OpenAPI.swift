import FerryJSON

/// A minimal OpenAPI v3 description of the API: for every kind, its PATCH
/// operation with the `fieldValidation` query parameter. kubectl reads exactly this
/// to decide that the server validates fields itself (`--validate=strict`, the
/// default), instead of downloading schemas to validate on the client. The lab
/// publishes no schemas; see docs/LAB.md.
enum OpenAPI {
    static func root(_ kinds: [ResourceKind] = ResourceCatalog.all) -> JSON {
        var paths: [String: JSON] = [:]
        for (group, version) in groupVersions(kinds) {
            let path = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=lab")]
        }
        return ["paths": .object(paths)]
    }

    /// The document for `api/v1` or `apis/GROUP/VERSION`.
    static func document(_ path: String, _ served: [ResourceKind] = ResourceCatalog.all) -> JSON? {
        let parts = path.split(separator: "/").map(String.init)
        let (group, version): (String, String)
        switch (parts.first, parts.count) {
        case ("api", 2): (group, version) = ("", parts[1])
        case ("apis", 3): (group, version) = (parts[1], parts[2])
        default: return nil
        }
        let kinds = served.filter { $0.group == group && $0.version == version }
        guard !kinds.isEmpty else { return nil }
        var paths: [String: JSON] = [:]
        for kind in kinds {
            let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let scope = kind.namespaced ? "/namespaces/{namespace}" : ""
            paths["\(prefix)\(scope)/\(kind.resource)/{name}"] = [
                "patch": [
                    "x-kubernetes-group-version-kind": ["group": .string(group), "version": .string(version), "kind": .string(kind.kind)],
                    "x-kubernetes-action": "patch",
                    "parameters": [
                        ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                        ["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ],
                    "responses": ["200": ["description": "OK"]],
                ],
            ]
        }
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.4+k3s1"],
            "paths": .object(paths), "components": ["schemas": .emptyObject],
        ]
    }

    private static func groupVersions(_ kinds: [ResourceKind]) -> [(String, String)] {
        var seen: [(String, String)] = []
        for kind in kinds where !seen.contains(where: { $0 == (kind.group, kind.version) }) {
            seen.append((kind.group, kind.version))
        }
        return seen
    }
}
