import FerryJSON

/// The documents kubectl reads to learn what the server serves: `/version`, `/api`,
/// `/apis`, `/apis/{group}` and the resource lists under `/api/v1` and
/// `/apis/{group}/{version}`, in the shapes a K3s v1.32 apiserver returns them
/// (k8s.io/apimachinery metav1 `APIVersions`, `APIGroupList`, `APIGroup`,
/// `APIResourceList`). Everything is derived from `ResourceCatalog.all`.
public enum Discovery {
    /// The address `/api` advertises for every client network, as a single-node K3s does.
    public static let defaultServerAddress = "127.0.0.1:6443"

    /// `/version`: a K3s v1.32 server.
    public static func version() -> JSON {
        [
            "major": "1",
            "minor": "32",
            "gitVersion": "v1.32.4+k3s1",
            "gitCommit": "6d4bb4a7ed9dd19af4d7a2da4a5a28e4dd0d1ed0",
            "gitTreeState": "clean",
            "buildDate": "2025-04-23T18:13:47Z",
            "goVersion": "go1.23.8",
            "compiler": "gc",
            "platform": "linux/amd64",
        ]
    }

    /// `/api`: the legacy core group's versions.
    public static func coreVersions() -> JSON {
        coreVersions(serverAddress: defaultServerAddress)
    }

    /// `/api` advertising `serverAddress` (host:port) for every client CIDR.
    public static func coreVersions(serverAddress: String) -> JSON {
        [
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                ["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]
            ],
        ]
    }

    /// `/apis`: one entry per non-core group, in catalog order (built-in groups
    /// first, custom resource groups after, as the real server orders them).
    public static func groups() -> JSON {
        [
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": .array(groupNames.map { groupBody($0) }),
        ]
    }

    /// `/apis/{group}`, or nil when the group is not served.
    public static func group(_ name: String) -> JSON? {
        guard !name.isEmpty, groupNames.contains(name) else { return nil }
        var body = groupBody(name)
        body["kind"] = "APIGroup"
        body["apiVersion"] = "v1"
        return body
    }

    /// `/api/v1` (group "") or `/apis/{group}/{version}`, or nil when nothing is
    /// served there. Entries are sorted by name, subresources right after their
    /// resource, as the real server lists them.
    public static func resources(group: String, version: String) -> JSON? {
        let kinds = ResourceCatalog.all.filter { $0.group == group && $0.version == version }
        guard !kinds.isEmpty else { return nil }
        var entries: [(name: String, body: JSON)] = []
        for kind in kinds {
            entries.append((kind.resource, resourceEntry(kind)))
            for sub in kind.subresources {
                entries.append(("\(kind.resource)/\(sub)", subresourceEntry(kind, sub)))
            }
        }
        entries.sort { $0.name < $1.name }
        var list: JSON = [
            "kind": "APIResourceList",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(entries.map(\.body)),
        ]
        // The core list carries no apiVersion; group lists do.
        if !group.isEmpty { list["apiVersion"] = "v1" }
        return list
    }

    // MARK: - Parts

    /// Non-core groups in first-seen catalog order.
    static var groupNames: [String] {
        var seen: [String] = []
        for kind in ResourceCatalog.all where !kind.group.isEmpty && !seen.contains(kind.group) {
            seen.append(kind.group)
        }
        return seen
    }

    static func versions(of group: String) -> [String] {
        var seen: [String] = []
        for kind in ResourceCatalog.all where kind.group == group && !seen.contains(kind.version) {
            seen.append(kind.version)
        }
        return seen
    }

    static func groupBody(_ name: String) -> JSON {
        let versions = versions(of: name).map { v -> JSON in
            ["groupVersion": .string("\(name)/\(v)"), "version": .string(v)]
        }
        return [
            "name": .string(name),
            "versions": .array(versions),
            "preferredVersion": versions.first ?? .null,
        ]
    }

    /// Verbs of a top-level resource. Built-in kinds list them sorted; the
    /// apiextensions server lists custom resources' verbs in its own order.
    /// Namespaces cannot be deleted as a collection.
    static func verbs(_ kind: ResourceKind) -> [String] {
        if !kind.supportsStrategicMerge {
            return ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]
        }
        if kind.kind == "Namespace" {
            return ["create", "delete", "get", "list", "patch", "update", "watch"]
        }
        return ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }

    static func resourceEntry(_ kind: ResourceKind) -> JSON {
        var entry: JSON = [
            "name": .string(kind.resource),
            "singularName": .string(kind.singular),
            "namespaced": .bool(kind.namespaced),
            "kind": .string(kind.kind),
            "verbs": .array(verbs(kind).map(JSON.string)),
        ]
        if !kind.shortNames.isEmpty { entry["shortNames"] = .array(kind.shortNames.map(JSON.string)) }
        if !kind.categories.isEmpty { entry["categories"] = .array(kind.categories.map(JSON.string)) }
        return entry
    }

    static func subresourceEntry(_ kind: ResourceKind, _ sub: String) -> JSON {
        var entry: JSON = [
            "name": .string("\(kind.resource)/\(sub)"),
            "singularName": "",
            "namespaced": .bool(kind.namespaced),
            "kind": .string(kind.kind),
        ]
        switch sub {
        case "scale":
            entry["group"] = "autoscaling"
            entry["version"] = "v1"
            entry["kind"] = "Scale"
            entry["verbs"] = ["get", "patch", "update"]
        case "log":
            entry["verbs"] = ["get"]
        case "proxy":
            entry["verbs"] = ["create", "delete", "get", "patch", "update"]
        case "status":
            entry["verbs"] = ["get", "patch", "update"]
        default:
            entry["verbs"] = ["get"]
        }
        return entry
    }
}
