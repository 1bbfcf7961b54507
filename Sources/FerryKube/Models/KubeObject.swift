import FerryJSON

/// A typed view of a Kubernetes object. The whole object stays in `json`, so that
/// writing it back keeps every field ferry does not model (including ones added
/// by newer Kubernetes versions); typed properties read and write into it.
public protocol KubeObject: Sendable {
    static var type: ResourceType { get }
    var json: JSON { get set }
    init(json: JSON)
}

extension KubeObject {
    public var name: String { json["metadata"]["name"].stringValue ?? "" }
    public var namespace: String { json["metadata"]["namespace"].stringValue ?? "" }
    public var uid: String { json["metadata"]["uid"].stringValue ?? "" }
    public var resourceVersion: String { json["metadata"]["resourceVersion"].stringValue ?? "" }
    public var isDeleting: Bool { json["metadata"]["deletionTimestamp"] != .null }

    public var labels: [String: String] {
        get { (json["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { json[path: ["metadata", "labels"]] = .object(newValue.mapValues { .string($0) }) }
    }

    public var annotations: [String: String] {
        get { (json["metadata"]["annotations"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { json[path: ["metadata", "annotations"]] = .object(newValue.mapValues { .string($0) }) }
    }

    /// `status` of the condition `type` ("True", "False", "Unknown"), if reported.
    public func conditionStatus(_ type: String) -> String? {
        condition(type)?["status"].stringValue
    }

    public func condition(_ type: String) -> JSON? {
        json["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == type }
    }
}

extension KubeClient {
    public func get<T: KubeObject>(_: T.Type, _ name: String, namespace: String? = nil) async throws(KubeClientError) -> T {
        T(json: try await get(T.type, name, namespace: namespace))
    }

    public func list<T: KubeObject>(
        _: T.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) async throws(KubeClientError) -> [T] {
        try await list(T.type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector).items.map(T.init(json:))
    }
}
