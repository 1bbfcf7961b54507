import FerryJSON

/// Where an object lives: its kind, namespace ("" for cluster-scoped kinds) and name.
public struct ObjectKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: ResourceKind
    public var namespace: String
    public var name: String

    public init(_ kind: ResourceKind, namespace: String = "", name: String) {
        self.kind = kind
        self.namespace = kind.namespaced ? namespace : ""
        self.name = name
    }

    public var description: String {
        namespace.isEmpty ? "\(kind.resource)/\(name)" : "\(kind.resource)/\(namespace)/\(name)"
    }
}

/// Accessors for the metadata every stored object carries.
extension JSON {
    public var name: String { self["metadata"]["name"].stringValue ?? "" }
    public var namespace: String { self["metadata"]["namespace"].stringValue ?? "" }
    public var uid: String { self["metadata"]["uid"].stringValue ?? "" }
    public var resourceVersion: String { self["metadata"]["resourceVersion"].stringValue ?? "" }
    public var isDeleting: Bool { self["metadata"]["deletionTimestamp"] != .null }

    public var labels: [String: String] {
        get { (self["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { self[path: ["metadata", "labels"]] = newValue.isEmpty ? nil : .object(newValue.mapValues { .string($0) }) }
    }

    public var annotations: [String: String] {
        get { (self["metadata"]["annotations"].objectValue ?? [:]).compactMapValues(\.stringValue) }
        set {
            self[path: ["metadata", "annotations"]] =
                newValue.isEmpty ? nil : .object(newValue.mapValues { .string($0) })
        }
    }

    public var finalizers: [String] {
        get { (self["metadata"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue) }
        set { self[path: ["metadata", "finalizers"]] = newValue.isEmpty ? nil : .array(newValue.map { .string($0) }) }
    }

    /// The condition of `type` in `status.conditions`, if present.
    public func condition(_ type: String) -> JSON? {
        self["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == type }
    }

    /// Sets a condition, keeping `lastTransitionTime` when the status does not change.
    public mutating func setCondition(_ type: String, status: Bool, reason: String, message: String, now: String) {
        var conditions = self["status"]["conditions"].arrayValue ?? []
        let statusText = status ? "True" : "False"
        var condition: JSON = [
            "type": .string(type), "status": .string(statusText), "reason": .string(reason),
            "message": .string(message), "lastTransitionTime": .string(now),
        ]
        if let index = conditions.firstIndex(where: { $0["type"].stringValue == type }) {
            if conditions[index]["status"].stringValue == statusText {
                condition["lastTransitionTime"] = conditions[index]["lastTransitionTime"]
            }
            for (key, value) in conditions[index].objectValue ?? [:] where condition[key] == .null {
                condition[key] = value
            }
            conditions[index] = condition
        } else {
            conditions.append(condition)
        }
        self[path: ["status", "conditions"]] = .array(conditions)
    }
}
