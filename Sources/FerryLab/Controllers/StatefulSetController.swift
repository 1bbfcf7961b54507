import FerryJSON
import Foundation

/// StatefulSets as a migration meets them: pods `NAME-0..N-1` created in order, each
/// only after the previous one is Ready (OrderedReady) or all at once (Parallel),
/// removed from the highest ordinal down, and one PVC per volumeClaimTemplate and
/// ordinal (`TEMPLATE-NAME-ORDINAL`) that outlives the pods. A pod whose template
/// changed is replaced (RollingUpdate, highest ordinal first).
struct StatefulSetController: Controller {
    let store: ObjectStore
    let admission: Admission
    let events: EventRecorder

    init(store: ObjectStore) {
        self.store = store
        self.admission = Admission(store: store)
        self.events = EventRecorder(store: store, component: "statefulset-controller")
    }

    func reconcile() async {
        let pods = await store.list(ResourceCatalog.pods)
        for set in await store.list(ResourceCatalog.statefulSets) where !set.isDeleting {
            await sync(set, pods: pods.filter { $0.controllerUID == set.uid })
        }
    }

    private func sync(_ set: JSON, pods: [JSON]) async {
        let desired = Int(set["spec"]["replicas"].intValue ?? 1)
        let parallel = set["spec"]["podManagementPolicy"].stringValue == "Parallel"
        let revision = RandomName.templateHash(set["spec"]["template"])
        let byOrdinal = Dictionary(pods.map { (Self.ordinal($0.name, of: set.name), $0) }, uniquingKeysWith: { a, _ in a })
        for ordinal in 0..<desired {
            guard let pod = byOrdinal[ordinal] else {
                await createPod(set, ordinal: ordinal, revision: revision)
                if !parallel { break }
                continue
            }
            if pod.isDeleting { if !parallel { break } else { continue } }
            if pod.labels["controller-revision-hash"] != "\(set.name)-\(revision)" {
                _ = try? await store.delete(ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name))
                break
            }
            if !parallel, !pod.isReady { break }
        }
        for (ordinal, pod) in byOrdinal.sorted(by: { $0.key > $1.key }) where ordinal >= desired && !pod.isDeleting {
            _ = try? await store.delete(ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name))
            if !parallel { break }
        }
        let live = pods.filter { !$0.isDeleting }
        let ready = live.filter(\.isReady).count
        await store.modify(ObjectKey(ResourceCatalog.statefulSets, namespace: set.namespace, name: set.name), subresource: "status") {
            $0["status"] = [
                "observedGeneration": $0["metadata"]["generation"], "replicas": .int(Int64(live.count)),
                "readyReplicas": .int(Int64(ready)), "availableReplicas": .int(Int64(ready)),
                "currentReplicas": .int(Int64(live.count)), "updatedReplicas": .int(Int64(live.count)),
                "currentRevision": .string("\(set.name)-\(revision)"), "updateRevision": .string("\(set.name)-\(revision)"),
            ]
        }
    }

    private func createPod(_ set: JSON, ordinal: Int, revision: String) async {
        let name = "\(set.name)-\(ordinal)"
        var spec = set["spec"]["template"]["spec"]
        var volumes = spec["volumes"].arrayValue ?? []
        for template in set["spec"]["volumeClaimTemplates"].arrayValue ?? [] {
            let claim = "\(template["metadata"]["name"].stringValue ?? "data")-\(name)"
            await ensureClaim(claim, from: template, set: set)
            volumes.removeAll { $0["name"] == template["metadata"]["name"] }
            volumes.append(["name": template["metadata"]["name"], "persistentVolumeClaim": ["claimName": .string(claim)]])
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }
        var labels = set["spec"]["template"]["metadata"]["labels"]
        labels["controller-revision-hash"] = .string("\(set.name)-\(revision)")
        labels["statefulset.kubernetes.io/pod-name"] = .string(name)
        labels["apps.kubernetes.io/pod-index"] = .string(String(ordinal))
        spec["hostname"] = .string(name)
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": .string(set.namespace), "labels": labels,
                "ownerReferences": [set.ownerReference(ResourceCatalog.statefulSets)],
            ],
            "spec": spec,
        ]
        do {
            let admitted = try await admission.create(pod, kind: ResourceCatalog.pods, namespace: set.namespace)
            try await store.create(admitted, kind: ResourceCatalog.pods)
            await events.record(set, kind: ResourceCatalog.statefulSets, reason: "SuccessfulCreate", message: "create Pod \(name) in StatefulSet \(set.name) successful")
        } catch {
            await events.record(
                set, kind: ResourceCatalog.statefulSets, type: "Warning", reason: "FailedCreate",
                message: "create Pod \(name) in StatefulSet \(set.name) failed error: \(error.message)")
        }
    }

    private func ensureClaim(_ name: String, from template: JSON, set: JSON) async {
        let key = ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: set.namespace, name: name)
        guard await store.find(key) == nil else { return }
        var claim = template
        claim["apiVersion"] = "v1"
        claim["kind"] = "PersistentVolumeClaim"
        claim[path: ["metadata", "name"]] = .string(name)
        claim[path: ["metadata", "namespace"]] = .string(set.namespace)
        var labels = claim.labels
        for (key, value) in set["spec"]["selector"]["matchLabels"].objectValue ?? [:] { labels[key] = value.stringValue }
        claim.labels = labels
        if let admitted = try? await admission.create(claim, kind: ResourceCatalog.persistentVolumeClaims, namespace: set.namespace) {
            _ = try? await store.create(admitted, kind: ResourceCatalog.persistentVolumeClaims)
        }
    }

    static func ordinal(_ podName: String, of setName: String) -> Int {
        Int(podName.dropFirst(setName.count + 1)) ?? -1
    }
}
