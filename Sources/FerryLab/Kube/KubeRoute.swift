/// A request path of the Kubernetes API, resolved against the kinds served at the
/// time of the request (`ResourceCatalog.served(by:)`).
enum KubeRoute: Equatable {
    case version
    case health
    case coreVersions
    case groups
    case group(String)
    case resourceList(group: String, version: String)
    /// A collection (`name == nil`), an object, or one of its subresources.
    /// `namespace == nil` on a namespaced kind means all namespaces.
    case resource(kind: ResourceKind, namespace: String?, name: String?, subresource: String?)
    /// `namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH`: the apiserver's
    /// service proxy; `path` starts with `/`.
    case serviceProxy(namespace: String, service: String, path: String)
    /// `namespaces/NS/pods/[SCHEME:]NAME[:PORT]/proxy/PATH`: the apiserver's pod proxy.
    case podProxy(namespace: String, pod: String, path: String)
    case openAPIRoot
    case openAPIDocument(String)
    case notFound

    init(path: String, kinds: [ResourceKind] = ResourceCatalog.all) {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.first {
        case "version": self = .version
        case "healthz", "readyz", "livez": self = .health
        case "openapi" where parts.count >= 2 && parts[1] == "v3":
            self = parts.count == 2 ? .openAPIRoot : .openAPIDocument(parts.dropFirst(2).joined(separator: "/"))
        case "api":
            if parts.count == 1 { self = .coreVersions; return }
            let rest = Array(parts.dropFirst(2))
            if parts[1] == "v1", rest.count >= 5, rest[0] == "namespaces", ["services", "pods"].contains(rest[2]), rest[4] == "proxy" {
                let tail = rest.dropFirst(5).joined(separator: "/")
                let forwarded = "/" + tail + (path.hasSuffix("/") && !tail.isEmpty ? "/" : "")
                self = rest[2] == "pods"
                    ? .podProxy(namespace: rest[1], pod: rest[3], path: forwarded)
                    : .serviceProxy(namespace: rest[1], service: rest[3], path: forwarded)
                return
            }
            self = Self.resolve(group: "", version: parts[1], rest: rest, kinds: kinds)
        case "apis":
            switch parts.count {
            case 1: self = .groups
            case 2: self = .group(parts[1])
            default: self = Self.resolve(group: parts[1], version: parts[2], rest: Array(parts.dropFirst(3)), kinds: kinds)
            }
        default: self = .notFound
        }
    }

    private static func resolve(group: String, version: String, rest: [String], kinds: [ResourceKind]) -> KubeRoute {
        if rest.isEmpty {
            guard kinds.contains(where: { $0.group == group && $0.version == version }) else {
                return .notFound
            }
            return .resourceList(group: group, version: version)
        }
        var rest = rest
        var namespace: String?
        // `namespaces/NAME/RESOURCE/...` addresses a namespaced collection; `namespaces`,
        // `namespaces/NAME` and `namespaces/NAME/status` the Namespace objects themselves.
        if rest[0] == "namespaces", rest.count >= 3, !(rest.count == 3 && ["status", "finalize"].contains(rest[2])) {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard let kind = kinds.first(where: { $0.group == group && $0.version == version && $0.resource == rest[0] }),
            rest.count <= 3, kind.namespaced || namespace == nil
        else { return .notFound }
        let subresource = rest.count == 3 ? rest[2] : nil
        if let subresource, !kind.subresources.contains(subresource) { return .notFound }
        return .resource(kind: kind, namespace: namespace, name: rest.count >= 2 ? rest[1] : nil, subresource: subresource)
    }
}
