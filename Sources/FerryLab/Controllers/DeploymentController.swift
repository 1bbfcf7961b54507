import Foundation
import FerryJSON

/// Rolls Deployments out through ReplicaSets, one per pod template (named
/// `DEPLOYMENT-HASH`, so pods read `frigate-7d8ff58b5d-v9n4p`). `Recreate` scales every
/// old ReplicaSet to zero and waits until their pods are gone before starting the
/// new one, which is what lets a pod holding a USB device or a ReadWriteOnce volume
/// be replaced. `RollingUpdate` honours maxSurge and maxUnavailable.
struct DeploymentController: Controller {
    let store: ObjectStore
    let events: EventRecorder

    init(store: ObjectStore) {
        self.store = store
        self.events = EventRecorder(store: store, component: "deployment-controller")
    }

    func reconcile() async {
        let allSets = await store.list(ResourceCatalog.replicaSets)
        let pods = await store.list(ResourceCatalog.pods)
        for deployment in await store.list(ResourceCatalog.deployments) where !deployment.isDeleting {
            await sync(deployment, sets: allSets.filter { $0.controllerUID == deployment.uid }, pods: pods)
        }
    }

    private func sync(_ deployment: JSON, sets: [JSON], pods: [JSON]) async {
        let desired = deployment["spec"]["replicas"].intValue ?? 1
        let hash = RandomName.templateHash(deployment["spec"]["template"])
        var newSet = sets.first { $0.labels["pod-template-hash"] == hash }
        let oldSets = sets.filter { $0.labels["pod-template-hash"] != hash }
        let paused = deployment["spec"]["paused"].boolValue == true
        let recreate = deployment["spec"]["strategy"]["type"].stringValue == "Recreate"

        if newSet == nil, !paused {
            let revision = (sets.compactMap { Int($0.annotations["deployment.kubernetes.io/revision"] ?? "") }.max() ?? 0) + 1
            let initial: Int64 = recreate || !oldSets.contains(where: { ($0["spec"]["replicas"].intValue ?? 0) > 0 })
                ? 0 : min(desired, surge(deployment, desired))
            newSet = await createReplicaSet(deployment, hash: hash, revision: revision, replicas: initial)
        }
        let ownedPods = { (rs: JSON) in pods.filter { $0.controllerUID == rs.uid } }
        if let newSet, !paused {
            if recreate {
                let oldPods = oldSets.flatMap(ownedPods)
                for rs in oldSets { await scale(rs, to: 0, deployment: deployment) }
                if oldPods.isEmpty { await scale(newSet, to: desired, deployment: deployment) }
            } else {
                await rollingUpdate(deployment, newSet: newSet, oldSets: oldSets, desired: desired, ownedPods: ownedPods)
            }
        }
        await updateStatus(deployment, newSet: newSet, sets: sets, pods: pods, desired: desired)
    }

    private func rollingUpdate(
        _ deployment: JSON, newSet: JSON, oldSets: [JSON], desired: Int64, ownedPods: (JSON) -> [JSON]
    ) async {
        let oldReplicas = oldSets.reduce(Int64(0)) { $0 + ($1["spec"]["replicas"].intValue ?? 0) }
        let newReplicas = newSet["spec"]["replicas"].intValue ?? 0
        if oldReplicas == 0 {
            if newReplicas != desired { await scale(newSet, to: desired, deployment: deployment) }
            return
        }
        let maxTotal = desired + surge(deployment, desired)
        if newReplicas < desired, oldReplicas + newReplicas < maxTotal {
            await scale(newSet, to: min(desired, maxTotal - oldReplicas), deployment: deployment)
        }
        let available = (oldSets + [newSet]).flatMap(ownedPods).filter { $0.isReady && !$0.isDeleting }.count
        var removable = Int64(available) - (desired - unavailable(deployment, desired))
        for rs in oldSets {
            let replicas = rs["spec"]["replicas"].intValue ?? 0
            let unready = Int64(ownedPods(rs).filter { !$0.isReady }.count)
            let cut = min(replicas, max(removable, 0) + unready)
            guard cut > 0 else { continue }
            removable -= cut - min(unready, cut)
            await scale(rs, to: replicas - cut, deployment: deployment)
        }
    }

    private func createReplicaSet(_ deployment: JSON, hash: String, revision: Int, replicas: Int64) async -> JSON? {
        var template = deployment["spec"]["template"]
        template[path: ["metadata", "labels", "pod-template-hash"]] = .string(hash)
        var selector = deployment["spec"]["selector"]
        selector[path: ["matchLabels", "pod-template-hash"]] = .string(hash)
        var labels = template.labels
        labels["pod-template-hash"] = hash
        let rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string("\(deployment.name)-\(hash)"), "namespace": .string(deployment.namespace),
                "labels": .object(labels.mapValues { .string($0) }),
                "annotations": [
                    "deployment.kubernetes.io/revision": .string(String(revision)),
                    "deployment.kubernetes.io/desired-replicas": .string(String(deployment["spec"]["replicas"].intValue ?? 1)),
                ],
                "ownerReferences": [deployment.ownerReference(ResourceCatalog.deployments)],
            ],
            "spec": ["replicas": .int(replicas), "selector": selector, "template": template],
        ]
        guard let created = try? await store.create(rs, kind: ResourceCatalog.replicaSets) else { return nil }
        await store.modify(ObjectKey(ResourceCatalog.deployments, namespace: deployment.namespace, name: deployment.name)) {
            $0.annotations["deployment.kubernetes.io/revision"] = String(revision)
        }
        if replicas > 0 {
            await events.record(
                deployment, kind: ResourceCatalog.deployments, reason: "ScalingReplicaSet",
                message: "Scaled up replica set \(created.name) from 0 to \(replicas)")
        }
        return created
    }

    private func scale(_ rs: JSON, to replicas: Int64, deployment: JSON) async {
        let current = rs["spec"]["replicas"].intValue ?? 0
        guard current != replicas else { return }
        await store.modify(ObjectKey(ResourceCatalog.replicaSets, namespace: rs.namespace, name: rs.name)) {
            $0[path: ["spec", "replicas"]] = .int(replicas)
        }
        let direction = replicas > current ? "up" : "down"
        await events.record(
            deployment, kind: ResourceCatalog.deployments, reason: "ScalingReplicaSet",
            message: "Scaled \(direction) replica set \(rs.name) from \(current) to \(replicas)")
    }

    private func updateStatus(_ deployment: JSON, newSet: JSON?, sets: [JSON], pods: [JSON], desired: Int64) async {
        let owned = pods.filter { pod in sets.contains { $0.uid == pod.controllerUID } && !pod.isDeleting }
        let updated = newSet.map { rs in owned.filter { $0.controllerUID == rs.uid } } ?? []
        let ready = Int64(owned.filter(\.isReady).count)
        let minimum = desired - unavailable(deployment, desired)
        let now = Timestamp.string(Date())
        let complete = Int64(updated.count) == desired && Int64(owned.count) == desired && ready >= desired
        await store.modify(ObjectKey(ResourceCatalog.deployments, namespace: deployment.namespace, name: deployment.name), subresource: "status") { d in
            var status: JSON = [
                "observedGeneration": d["metadata"]["generation"], "replicas": .int(Int64(owned.count)),
                "updatedReplicas": .int(Int64(updated.count)), "readyReplicas": .int(ready), "availableReplicas": .int(ready),
            ]
            if desired - ready > 0 { status["unavailableReplicas"] = .int(desired - ready) }
            if ready == 0 { status.removeValue(forKey: "readyReplicas"); status.removeValue(forKey: "availableReplicas") }
            status["conditions"] = d["status"]["conditions"]
            d["status"] = status
            if ready >= minimum {
                d.setCondition("Available", status: true, reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", now: now)
            } else {
                d.setCondition("Available", status: false, reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", now: now)
            }
            if let newSet {
                if complete {
                    d.setCondition("Progressing", status: true, reason: "NewReplicaSetAvailable", message: "ReplicaSet \"\(newSet.name)\" has successfully progressed.", now: now)
                } else {
                    d.setCondition("Progressing", status: true, reason: "ReplicaSetUpdated", message: "ReplicaSet \"\(newSet.name)\" is progressing.", now: now)
                }
            }
        }
    }

    private func surge(_ deployment: JSON, _ desired: Int64) -> Int64 {
        Self.scaled(deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"], of: desired, roundUp: true, default: "25%")
    }

    private func unavailable(_ deployment: JSON, _ desired: Int64) -> Int64 {
        if deployment["spec"]["strategy"]["type"].stringValue == "Recreate" { return desired }
        let value = Self.scaled(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], of: desired, roundUp: false, default: "25%")
        return value == 0 && surge(deployment, desired) == 0 ? 1 : value
    }

    /// An int-or-percent field (`maxSurge: 25%`) resolved against `desired`.
    static func scaled(_ value: JSON, of desired: Int64, roundUp: Bool, default fallback: String) -> Int64 {
        if let number = value.intValue { return number }
        let text = value.stringValue ?? fallback
        guard text.hasSuffix("%"), let percent = Double(text.dropLast()) else { return Int64(text) ?? 0 }
        let exact = Double(desired) * percent / 100
        return Int64(roundUp ? exact.rounded(.up) : exact.rounded(.down))
    }
}
