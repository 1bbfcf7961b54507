import FerryKube

/// The claims the pods mount and, for each, whether its data must be moved.
struct VolumeFinding: Sendable {
    var volumes: [MigrationPlan.Volume] = []
    var itemNotes: [String] = []
    var sectionNotes: [String] = []
}

extension PlanDiscovery {
    func volumes(of workload: WorkloadFacts, targetNode: Node) async throws -> VolumeFinding {
        var finding = VolumeFinding()
        var claims: [String] = []
        let sources = workload.pods.isEmpty ? [Pod(json: ["spec": workload.podTemplate["spec"]])] : workload.pods
        for pod in sources { for claim in pod.claimNames where !claims.contains(claim) { claims.append(claim) } }
        if claims.isEmpty {
            finding.sectionNotes.append("the pods mount no PersistentVolumeClaim.")
            if workload.pods.isEmpty, workload.kind == .statefulSet {
                finding.sectionNotes.append("no pod runs, so the StatefulSet's per-pod claims are not known: add them by hand.")
            }
            return finding
        }
        for claim in claims {
            let pvc = try await reading("PersistentVolumeClaim \(workload.namespace)/\(claim)") {
                try await kube.find(.persistentVolumeClaims, claim, namespace: workload.namespace).map(PersistentVolumeClaim.init(json:))
            }
            guard let pvc else {
                finding.sectionNotes.append("the pods mount claim \(claim), which does not exist: left out.")
                continue
            }
            guard let volumeName = pvc.volumeName, !volumeName.isEmpty,
                let pv = try await reading("PersistentVolume \(volumeName)", { try await kube.find(.persistentVolumes, volumeName) })
            else {
                finding.volumes.append(MigrationPlan.Volume(claim: claim, action: .keep))
                finding.itemNotes.append("not bound to a volume yet (\(pvc.phase)): nothing to copy.")
                continue
            }
            let decision = Self.volumeAction(PersistentVolume(json: pv), target: targetNode)
            finding.volumes.append(MigrationPlan.Volume(claim: claim, action: decision.action))
            finding.itemNotes.append(decision.basis)
        }
        return finding
    }

    /// `move` when the PV's node affinity names hosts and the target is not among
    /// them (by the `kubernetes.io/hostname` written in the PV, which can differ from
    /// the node's name), else `keep`. Never `discard`: losing data must be written by hand.
    static func volumeAction(_ pv: PersistentVolume, target: Node) -> (action: MigrationPlan.Volume.Action, basis: String) {
        let storageClass = pv.storageClassName.map { "storage class \($0)" } ?? "no storage class"
        let hosts = pv.boundHostnames
        if hosts.isEmpty {
            return (.keep, "not node-bound: PV \(pv.name) (\(storageClass)) has no kubernetes.io/hostname node affinity, so any node mounts it.")
        }
        let affinity = "nodeAffinity kubernetes.io/hostname=\(hosts.joined(separator: ","))"
        if hosts.contains(target.hostnameLabel) {
            return (.keep, "PV \(pv.name) has \(affinity) (\(storageClass)), which includes \(target.name): it can stay.")
        }
        return (.move, "node-bound: PV \(pv.name) has \(affinity) (\(storageClass))")
    }
}
