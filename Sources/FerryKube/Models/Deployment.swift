import FerryJSON

public struct Deployment: KubeObject {
    public static let type = ResourceType.deployments
    public var json: JSON
    public init(json: JSON) { self.json = json }

    public var replicas: Int { Int(json["spec"]["replicas"].intValue ?? 1) }
    public var readyReplicas: Int { Int(json["status"]["readyReplicas"].intValue ?? 0) }
    /// Whether the controller has seen the latest spec (`observedGeneration`).
    public var isObserved: Bool {
        (json["status"]["observedGeneration"].intValue ?? 0) >= (json["metadata"]["generation"].intValue ?? 0)
    }
    public var podTemplate: JSON { json["spec"]["template"] }
    public var selector: [String: String] {
        (json["spec"]["selector"]["matchLabels"].objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
