import FerryJSON

/// The Secrets and ConfigMaps a pod spec needs by name: volumes (also projected),
/// `envFrom`, `env[].valueFrom` and `imagePullSecrets`. A missing one keeps the new
/// pod from starting (CreateContainerConfigError, FailedMount), which on the target
/// node is too late to find out.
struct PodReference: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case secret = "Secret"
        case configMap = "ConfigMap"
    }

    var kind: Kind
    var name: String
    /// The key a `secretKeyRef` / `configMapKeyRef` reads; nil when the whole object is used.
    var key: String?
    /// Where the pod spec uses it, for the message: `envFrom of container frigate`.
    var usage: String
    /// `optional: true`: the pod starts without it.
    var optional: Bool

    /// Every reference in `spec` (a pod template's `spec`), in the order written.
    static func all(in spec: JSON) -> [PodReference] {
        var found: [PodReference] = []
        for volume in spec["volumes"].arrayValue ?? [] {
            let usage = "volume \(volume["name"].stringValue ?? "?")"
            if let name = volume["secret"]["secretName"].stringValue {
                found.append(.init(kind: .secret, name: name, usage: usage, optional: volume["secret"]["optional"].boolValue == true))
            }
            if let name = volume["configMap"]["name"].stringValue {
                found.append(.init(kind: .configMap, name: name, usage: usage, optional: volume["configMap"]["optional"].boolValue == true))
            }
            for source in volume["projected"]["sources"].arrayValue ?? [] {
                if let name = source["secret"]["name"].stringValue {
                    found.append(.init(kind: .secret, name: name, usage: usage, optional: source["secret"]["optional"].boolValue == true))
                }
                if let name = source["configMap"]["name"].stringValue {
                    found.append(.init(kind: .configMap, name: name, usage: usage, optional: source["configMap"]["optional"].boolValue == true))
                }
            }
        }
        let containers = (spec["initContainers"].arrayValue ?? []) + (spec["containers"].arrayValue ?? [])
        for container in containers {
            let containerName = container["name"].stringValue ?? "?"
            for source in container["envFrom"].arrayValue ?? [] {
                let usage = "envFrom of container \(containerName)"
                if let name = source["secretRef"]["name"].stringValue {
                    found.append(.init(kind: .secret, name: name, usage: usage, optional: source["secretRef"]["optional"].boolValue == true))
                }
                if let name = source["configMapRef"]["name"].stringValue {
                    found.append(.init(kind: .configMap, name: name, usage: usage, optional: source["configMapRef"]["optional"].boolValue == true))
                }
            }
            for variable in container["env"].arrayValue ?? [] {
                let usage = "env \(variable["name"].stringValue ?? "?") of container \(containerName)"
                let from = variable["valueFrom"]
                if let name = from["secretKeyRef"]["name"].stringValue {
                    found.append(.init(kind: .secret, name: name, key: from["secretKeyRef"]["key"].stringValue, usage: usage,
                                       optional: from["secretKeyRef"]["optional"].boolValue == true))
                }
                if let name = from["configMapKeyRef"]["name"].stringValue {
                    found.append(.init(kind: .configMap, name: name, key: from["configMapKeyRef"]["key"].stringValue, usage: usage,
                                       optional: from["configMapKeyRef"]["optional"].boolValue == true))
                }
            }
        }
        for pullSecret in spec["imagePullSecrets"].arrayValue ?? [] {
            if let name = pullSecret["name"].stringValue {
                found.append(.init(kind: .secret, name: name, usage: "imagePullSecrets", optional: false))
            }
        }
        return found
    }
}
