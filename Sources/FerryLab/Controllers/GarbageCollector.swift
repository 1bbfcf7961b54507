import FerryJSON

/// Background cascading deletion: an object whose owners are all gone is deleted
/// (a Deployment's ReplicaSets, their pods; a CronJob's Jobs, theirs). And namespace deletion: a Terminating
/// namespace has its content deleted, then its `kubernetes` finalizer lifted.
struct GarbageCollector: Controller {
    let store: ObjectStore

    /// Owners before what they own, so that a CronJob's Jobs and their pods go in one round.
    static let dependentKinds = [
        ResourceCatalog.replicaSets, ResourceCatalog.jobs, ResourceCatalog.pods, ResourceCatalog.persistentVolumeClaims,
        ResourceCatalog.endpointSlices,
    ]

    func reconcile() async {
        for kind in Self.dependentKinds {
            for object in await store.list(kind) where !object.isDeleting {
                let owners = object["metadata"]["ownerReferences"].arrayValue ?? []
                guard !owners.isEmpty else { continue }
                var alive = false
                for owner in owners {
                    if await exists(uid: owner["uid"].stringValue ?? "", name: owner["name"].stringValue ?? "",
                                    kind: owner["kind"].stringValue ?? "", apiVersion: owner["apiVersion"].stringValue ?? "",
                                    namespace: object.namespace)
                    {
                        alive = true
                    }
                }
                if !alive { _ = try? await store.delete(ObjectKey(kind, namespace: object.namespace, name: object.name)) }
            }
        }
        for namespace in await store.list(ResourceCatalog.namespaces) where namespace.isDeleting {
            await finishDeleting(namespace)
        }
    }

    private func exists(uid: String, name: String, kind: String, apiVersion: String, namespace: String) async -> Bool {
        guard let ownerKind = ResourceCatalog.kind(apiVersion: apiVersion, kind: kind) else { return false }
        return await store.find(ObjectKey(ownerKind, namespace: namespace, name: name))?.uid == uid
    }

    private func finishDeleting(_ namespace: JSON) async {
        let key = ObjectKey(ResourceCatalog.namespaces, name: namespace.name)
        if namespace["status"]["phase"].stringValue != "Terminating" {
            await store.modify(key, subresource: "status") { $0[path: ["status", "phase"]] = "Terminating" }
        }
        var remaining = 0
        for kind in ResourceCatalog.all where kind.namespaced {
            for object in await store.list(kind, namespace: namespace.name) {
                remaining += 1
                if !object.isDeleting { _ = try? await store.delete(ObjectKey(kind, namespace: namespace.name, name: object.name)) }
            }
        }
        if remaining == 0 {
            await store.modify(key) { $0[path: ["spec", "finalizers"]] = nil }
        }
    }
}
