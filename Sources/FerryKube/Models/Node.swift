import FerryJSON

public struct Node: KubeObject {
    public static let type = ResourceType.nodes
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var isReady: Bool { conditionStatus("Ready") == "True" }
    public var isSchedulable: Bool { json["spec"]["unschedulable"].boolValue != true }
    /// `kubernetes.io/hostname`, which local PVs name in their node affinity; it can
    /// differ from the node's name.
    public var hostnameLabel: String { labels["kubernetes.io/hostname"] ?? name }
    public var systemUUID: String? { json["status"]["nodeInfo"]["systemUUID"].stringValue }
    public var allocatable: [String: String] { (json["status"]["allocatable"].objectValue ?? [:]).compactMapValues(\.stringValue) }
    public var runtimeHandlers: [String] {
        (json["status"]["runtimeHandlers"].arrayValue ?? []).compactMap { $0["name"].stringValue }.filter { !$0.isEmpty }
    }
}
