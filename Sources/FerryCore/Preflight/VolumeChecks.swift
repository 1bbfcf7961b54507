import FerryJSON
import FerryKube

/// Each volume the plan lists, against where its PV lives and what the plan does
/// with it: a node-bound PV (local-path, `local`) cannot follow the pod, so it must
/// be moved (or knowingly discarded); network storage needs nothing. A node-bound
/// claim the pod mounts but the plan forgets is the blueprint's Pending pod.
struct VolumeChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    let facts: PreflightFacts
    var name: String { "volumes" }
    var waitsFor: String { "the Kubernetes API (PVCs and PVs of \(plan.workload.namespace))" }

    func run() async -> [PreflightResult] {
        let targetHostname: String
        switch await facts.targetNode() {
        case .success(let node): targetHostname = node.hostnameLabel
        case .failure: targetHostname = plan.target.node  // the node check reports it
        }
        let listed = Set(plan.volumes.map(\.claim))
        return await withTaskGroup(of: (Int, PreflightResult?).self) { group in
            for (index, volume) in plan.volumes.enumerated() {
                group.addTask { (index, await check(volume, index: index, targetHostname: targetHostname)) }
            }
            group.addTask { (plan.volumes.count, await unlisted(excluding: listed, targetHostname: targetHostname)) }
            var results: [(Int, PreflightResult?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.compactMap(\.1)
        }
    }

    private func check(_ volume: MigrationPlan.Volume, index: Int, targetHostname: String) async -> PreflightResult {
        let check = "volume \(volume.claim)"
        let namespace = plan.workload.namespace
        let field = "volumes[\(index)].action"
        let bound: (PersistentVolumeClaim, PersistentVolume?)
        switch await read(volume.claim) {
        case .success(let found): bound = found
        case .failure(let failure): return failure.result(check)
        }
        let (claim, pv) = bound
        guard let pv else {
            return .warn(check, "PVC \(namespace)/\(volume.claim) is not bound to a volume yet (\(claim.phase)): there is no data to move",
                         fix: "set \(field): keep if the claim should simply bind on \(plan.target.node)")
        }
        let storageClass = pv.storageClassName ?? claim.storageClassName ?? "no storage class"
        let nodes = pv.boundHostnames
        let onTarget = nodes.contains(targetHostname)
        let describe = "PV \(pv.name) (\(storageClass))"
        if nodes.isEmpty {
            switch volume.action {
            case .keep:
                return .pass(check, "\(describe) is not bound to a node: the pod mounts it on \(plan.target.node) as it is")
            case .move:
                return .warn(check, "\(describe) is not bound to a node (network storage): copying it is not needed",
                             fix: "set \(field): keep to use it as it is")
            case .discard:
                return .warn(check, "\(describe) is not bound to a node, and the plan recreates it empty: its data will be lost",
                             fix: "set \(field): keep unless losing the data is intended")
            }
        }
        let where_ = "bound to node \(nodes.joined(separator: ", "))"
        if onTarget {
            return .pass(check, "\(describe) is \(where_), which is the target: nothing to move")
        }
        switch volume.action {
        case .move:
            return .pass(check, "\(describe) is \(where_): its data will be copied to \(plan.target.node)")
        case .keep:
            return .fail(check, "\(describe) is \(where_): a pod on \(plan.target.node) cannot mount it and would stay Pending",
                         fix: "set \(field): move (copy the data), or discard to recreate it empty")
        case .discard:
            return .warn(check, "\(describe) is \(where_) and will be recreated empty on \(plan.target.node): its data will be lost",
                         fix: "set \(field): move to keep the data")
        }
    }

    /// Node-bound claims the pod mounts that the plan does not list.
    private func unlisted(excluding listed: Set<String>, targetHostname: String) async -> PreflightResult? {
        guard case .success(let spec) = await facts.podSpec() else { return nil }
        let mounted = (spec["volumes"].arrayValue ?? []).compactMap { $0["persistentVolumeClaim"]["claimName"].stringValue }
        var missing: [String] = []
        for claim in mounted where !listed.contains(claim) {
            guard case .success(let (_, pv)) = await read(claim), let pv else { continue }
            if !pv.boundHostnames.isEmpty, !pv.boundHostnames.contains(targetHostname) { missing.append(claim) }
        }
        guard !missing.isEmpty else { return nil }
        return .fail("volumes", "the pod mounts node-bound \(missing.joined(separator: ", ")) that the plan does not list: "
                         + "it would stay Pending on \(plan.target.node)",
                     fix: "add to volumes: " + missing.map { "{claim: \($0), action: move}" }.joined(separator: ", "))
    }

    private func read(_ claimName: String) async -> Result<(PersistentVolumeClaim, PersistentVolume?), PreflightFailure> {
        let namespace = plan.workload.namespace
        do {
            let claim = try await kube.get(PersistentVolumeClaim.self, claimName, namespace: namespace)
            guard let volumeName = claim.volumeName, !volumeName.isEmpty else { return .success((claim, nil)) }
            do {
                return .success((claim, try await kube.get(PersistentVolume.self, volumeName)))
            } catch where error.isNotFound {
                return .failure(PreflightFailure(
                    "PVC \(namespace)/\(claimName) is bound to PV \(volumeName), which does not exist (Lost)",
                    fix: "restore the PV or recreate the claim before migrating (kubectl describe pvc \(claimName) -n \(namespace))"))
            }
        } catch where error.isNotFound {
            return .failure(PreflightFailure(
                "there is no PVC \(claimName) in \(namespace)",
                fix: "fix or remove the volume in the plan (kubectl get pvc -n \(namespace))"))
        } catch {
            return .failure(PreflightFailure(
                "cannot read PVC \(namespace)/\(claimName): \(error.description)",
                fix: "check the cluster connection (kubectl get pvc \(claimName) -n \(namespace))"))
        }
    }
}
