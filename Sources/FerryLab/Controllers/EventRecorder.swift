import Foundation
import FerryJSON

/// Writes core/v1 Events the way Kubernetes components do, folding repeats of the
/// same reason and message into one Event with a count, so that `kubectl describe`
/// and `kubectl get events` read like a real cluster's.
struct EventRecorder: Sendable {
    let store: ObjectStore
    let component: String
    let host: String?

    init(store: ObjectStore, component: String, host: String? = nil) {
        self.store = store
        self.component = component
        self.host = host
    }

    func record(_ object: JSON, kind: ResourceKind, type: String = "Normal", reason: String, message: String) async {
        let namespace = kind.namespaced ? object.namespace : "default"
        let now = Timestamp.string(Date())
        let existing = await store.list(ResourceCatalog.events, namespace: namespace).first {
            $0["involvedObject"]["uid"].stringValue == object.uid && $0["reason"].stringValue == reason
                && $0["message"].stringValue == message
        }
        if let existing {
            await store.modify(ObjectKey(ResourceCatalog.events, namespace: namespace, name: existing.name)) { event in
                event["count"] = .int((event["count"].intValue ?? 1) + 1)
                event["lastTimestamp"] = .string(now)
            }
            return
        }
        var source: JSON = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        let name = "\(object.name).\(String(UInt64.random(in: 1...UInt64.max), radix: 16))"
        var event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "involvedObject": [
                "apiVersion": .string(kind.apiVersion), "kind": .string(kind.kind), "name": .string(object.name),
                "namespace": kind.namespaced ? .string(object.namespace) : .null, "uid": .string(object.uid),
                "resourceVersion": .string(object.resourceVersion),
            ],
            "reason": .string(reason), "message": .string(message), "type": .string(type), "count": 1,
            "firstTimestamp": .string(now), "lastTimestamp": .string(now), "source": source,
            "reportingComponent": .string(component), "reportingInstance": .string(host ?? ""),
        ]
        if !kind.namespaced { event[path: ["involvedObject", "namespace"]] = nil }
        _ = try? await store.create(event, kind: ResourceCatalog.events)
    }
}
