import FerryJSON

public struct StorageClass: KubeObject {
    public static let type = ResourceType.storageClasses
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var provisioner: String { json["provisioner"].stringValue ?? "" }
    public var reclaimPolicy: String { json["reclaimPolicy"].stringValue ?? "Delete" }
    public var volumeBindingMode: String { json["volumeBindingMode"].stringValue ?? "Immediate" }
    public var isDefault: Bool { annotations["storageclass.kubernetes.io/is-default-class"] == "true" }
}

public struct RuntimeClass: KubeObject {
    public static let type = ResourceType.runtimeClasses
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var handler: String { json["handler"].stringValue ?? name }
}

public struct ConfigMap: KubeObject {
    public static let type = ResourceType.configMaps
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var data: [String: String] { (json["data"].objectValue ?? [:]).compactMapValues(\.stringValue) }
}

/// A Secret as ferry reads it: names and keys only. The values are dropped the
/// moment the object is decoded, so no code path can print or journal them.
public struct SecretMetadata: KubeObject {
    public static let type = ResourceType.secrets
    public var json: JSON
    /// The keys the Secret holds (its values are never kept).
    public let keys: [String]

    public init(json: JSON) {
        keys = (Array((json["data"].objectValue ?? [:]).keys) + Array((json["stringData"].objectValue ?? [:]).keys)).sorted()
        var stripped = json
        stripped.removeValue(forKey: "data")
        stripped.removeValue(forKey: "stringData")
        stripped[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]] = nil
        self.json = stripped
    }

    public var secretType: String { json["type"].stringValue ?? "Opaque" }
}

public struct StatefulSet: KubeObject {
    public static let type = ResourceType.statefulSets
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var replicas: Int { Int(json["spec"]["replicas"].intValue ?? 1) }
    public var readyReplicas: Int { Int(json["status"]["readyReplicas"].intValue ?? 0) }
    public var podTemplate: JSON { json["spec"]["template"] }
    /// Names of the claim templates; each pod N gets `TEMPLATE-NAME-N`.
    public var claimTemplateNames: [String] {
        (json["spec"]["volumeClaimTemplates"].arrayValue ?? []).compactMap { $0["metadata"]["name"].stringValue }
    }
}

public struct Event: KubeObject {
    public static let type = ResourceType.events
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var reason: String { json["reason"].stringValue ?? "" }
    public var message: String { json["message"].stringValue ?? "" }
    public var eventType: String { json["type"].stringValue ?? "Normal" }
    public var involvedObject: (kind: String, name: String) {
        (json["involvedObject"]["kind"].stringValue ?? "", json["involvedObject"]["name"].stringValue ?? "")
    }
    public var count: Int { Int(json["count"].intValue ?? 1) }
}
