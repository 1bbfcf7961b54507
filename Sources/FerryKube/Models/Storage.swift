import FerryJSON

public struct PersistentVolumeClaim: KubeObject {
    public static let type = ResourceType.persistentVolumeClaims
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var volumeName: String? { json["spec"]["volumeName"].stringValue }
    public var storageClassName: String? { json["spec"]["storageClassName"].stringValue }
    public var phase: String { json["status"]["phase"].stringValue ?? "Pending" }
    public var requestedStorage: String? { json["spec"]["resources"]["requests"]["storage"].stringValue }
}

public struct PersistentVolume: KubeObject {
    public static let type = ResourceType.persistentVolumes
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var reclaimPolicy: String { json["spec"]["persistentVolumeReclaimPolicy"].stringValue ?? "Retain" }
    public var storageClassName: String? { json["spec"]["storageClassName"].stringValue }
    /// The node-local path of a hostPath or `local` volume.
    public var localPath: String? { json["spec"]["hostPath"]["path"].stringValue ?? json["spec"]["local"]["path"].stringValue }

    /// The `kubernetes.io/hostname` values the PV's required node affinity allows;
    /// empty when the volume is not node-bound (network storage).
    public var boundHostnames: [String] {
        (json["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue ?? []).flatMap { term in
            (term["matchExpressions"].arrayValue ?? [])
                .filter { $0["key"].stringValue == "kubernetes.io/hostname" && $0["operator"].stringValue == "In" }
                .flatMap { ($0["values"].arrayValue ?? []).compactMap(\.stringValue) }
        }
    }
}
