import FerryJSON

/// The `scale` subresource: an `autoscaling/v1` Scale view of a Deployment or
/// StatefulSet, which is how `kubectl scale` changes replicas.
enum Scale {
    static func view(of workload: JSON, kind: ResourceKind) -> JSON {
        let matchLabels = (workload["spec"]["selector"]["matchLabels"].objectValue ?? [:])
            .compactMapValues(\.stringValue).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        var metadata: JSON = .emptyObject
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            metadata[field] = workload["metadata"][field]
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": workload["spec"]["replicas"] == .null ? 1 : workload["spec"]["replicas"]],
            "status": ["replicas": workload["status"]["replicas"] == .null ? 0 : workload["status"]["replicas"],
                       "selector": .string(matchLabels)],
        ]
    }

    static func update(_ key: ObjectKey, with scale: JSON, store: ObjectStore) async throws -> JSON {
        guard let replicas = scale["spec"]["replicas"].intValue else {
            throw APIError.invalid(key.kind, key.name, field: "spec.replicas", "Required value")
        }
        if replicas < 0 {
            throw APIError.invalid(
                key.kind, key.name, field: "spec.replicas", "Invalid value: \(replicas): must be greater than or equal to 0")
        }
        var workload = try await store.get(key)
        if !scale.resourceVersion.isEmpty, scale.resourceVersion != workload.resourceVersion {
            throw APIError.conflict(key.kind, key.name)
        }
        workload[path: ["spec", "replicas"]] = .int(replicas)
        return view(of: try await store.update(workload, key: key), kind: key.kind)
    }
}
