import Foundation
import FerryJSON

/// Keeps each ReplicaSet's count of live pods at `spec.replicas`: creates pods from
/// its template (through admission, so that a pod the apiserver would reject is
/// reported as FailedCreate, as on a real cluster) and deletes the surplus, pods
/// that are not yet running first.
struct ReplicaSetController: Controller {
    let store: ObjectStore
    let admission: Admission
    let events: EventRecorder

    init(store: ObjectStore) {
        self.store = store
        self.admission = Admission(store: store)
        self.events = EventRecorder(store: store, component: "replicaset-controller")
    }

    func reconcile() async {
        let pods = await store.list(ResourceCatalog.pods)
        for rs in await store.list(ResourceCatalog.replicaSets) where !rs.isDeleting {
            let owned = pods.filter { $0.controllerUID == rs.uid }
            let active = owned.filter { !$0.isDeleting && !ObjectStore.isTerminated($0) }
            let desired = Int(rs["spec"]["replicas"].intValue ?? 1)
            if active.count < desired {
                for _ in active.count..<desired { await createPod(for: rs) }
            } else if active.count > desired {
                let surplus = active.sorted { a, b in
                    (a.isReady ? 1 : 0, a["metadata"]["creationTimestamp"].stringValue ?? "")
                        < (b.isReady ? 1 : 0, b["metadata"]["creationTimestamp"].stringValue ?? "")
                }.prefix(active.count - desired)
                for pod in surplus {
                    _ = try? await store.delete(ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name))
                    await events.record(rs, kind: ResourceCatalog.replicaSets, reason: "SuccessfulDelete", message: "Deleted pod: \(pod.name)")
                }
            }
            let ready = active.filter(\.isReady).count
            await store.modify(ObjectKey(ResourceCatalog.replicaSets, namespace: rs.namespace, name: rs.name), subresource: "status") {
                $0["status"] = [
                    "replicas": .int(Int64(active.count)), "fullyLabeledReplicas": .int(Int64(active.count)),
                    "readyReplicas": .int(Int64(ready)), "availableReplicas": .int(Int64(ready)),
                    "observedGeneration": $0["metadata"]["generation"],
                ]
            }
        }
    }

    private func createPod(for rs: JSON) async {
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "generateName": .string(rs.name + "-"), "namespace": .string(rs.namespace),
                "labels": rs["spec"]["template"]["metadata"]["labels"],
                "ownerReferences": [rs.ownerReference(ResourceCatalog.replicaSets)],
            ],
            "spec": rs["spec"]["template"]["spec"],
        ]
        if let annotations = rs["spec"]["template"]["metadata"]["annotations"].objectValue {
            pod[path: ["metadata", "annotations"]] = .object(annotations)
        }
        do {
            let admitted = try await admission.create(pod, kind: ResourceCatalog.pods, namespace: rs.namespace)
            let created = try await store.create(admitted, kind: ResourceCatalog.pods)
            await events.record(rs, kind: ResourceCatalog.replicaSets, reason: "SuccessfulCreate", message: "Created pod: \(created.name)")
        } catch {
            await events.record(
                rs, kind: ResourceCatalog.replicaSets, type: "Warning", reason: "FailedCreate",
                message: "Error creating: \(error.message)")
        }
    }
}
