import FerryJSON

public struct Pod: KubeObject {
    public static let type = ResourceType.pods
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var nodeName: String? { json["spec"]["nodeName"].stringValue }
    public var phase: String { json["status"]["phase"].stringValue ?? "Pending" }
    public var isReady: Bool { conditionStatus("Ready") == "True" }

    /// Names of the PVCs the pod mounts.
    public var claimNames: [String] {
        (json["spec"]["volumes"].arrayValue ?? []).compactMap { $0["persistentVolumeClaim"]["claimName"].stringValue }
    }

    /// hostPath volumes (such as `/dev/bus/usb`), by volume name.
    public var hostPaths: [String: String] {
        var paths: [String: String] = [:]
        for volume in json["spec"]["volumes"].arrayValue ?? [] {
            if let name = volume["name"].stringValue, let path = volume["hostPath"]["path"].stringValue { paths[name] = path }
        }
        return paths
    }

    /// The owner that controls this pod (kind and name), e.g. its ReplicaSet.
    public var controller: (kind: String, name: String)? {
        guard let owner = (json["metadata"]["ownerReferences"].arrayValue ?? []).first(where: { $0["controller"].boolValue == true }),
            let kind = owner["kind"].stringValue, let name = owner["name"].stringValue
        else { return nil }
        return (kind, name)
    }

    public var restartCount: Int {
        (json["status"]["containerStatuses"].arrayValue ?? []).reduce(0) { $0 + Int($1["restartCount"].intValue ?? 0) }
    }
}
