import FerryJSON

/// The claims a pod mounts and where they stand, as the scheduler's VolumeBinding
/// plugin sees them before it looks at any node.
struct PodVolumes {
    var claims: [JSON] = []
    /// PVs of bound claims: their node affinity restricts the pod's nodes.
    var boundVolumes: [JSON] = []
    /// Unbound claims of a WaitForFirstConsumer class: provisioned once a node is picked.
    var waitingForFirstConsumer: [JSON] = []

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func claimNames(_ pod: JSON) -> [String] {
        (pod["spec"]["volumes"].arrayValue ?? []).compactMap { $0["persistentVolumeClaim"]["claimName"].stringValue }
    }

    static func resolve(_ pod: JSON, store: ObjectStore) async throws(Problem) -> PodVolumes {
        var result = PodVolumes()
        for name in claimNames(pod) {
            guard let claim = await store.find(ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: pod.namespace, name: name))
            else { throw Problem(description: "persistentvolumeclaim \"\(name)\" not found") }
            if claim.isDeleting { throw Problem(description: "persistentvolumeclaim \"\(name)\" is being deleted") }
            result.claims.append(claim)
            if claim["status"]["phase"].stringValue == "Bound", let volumeName = claim["spec"]["volumeName"].stringValue {
                guard let pv = await store.find(ObjectKey(ResourceCatalog.persistentVolumes, name: volumeName)) else {
                    throw Problem(description: "persistentvolume \"\(volumeName)\" not found")
                }
                result.boundVolumes.append(pv)
                continue
            }
            let className = claim["spec"]["storageClassName"].stringValue ?? ""
            let storageClass = await store.find(ObjectKey(ResourceCatalog.storageClasses, name: className))
            if storageClass?["volumeBindingMode"].stringValue == "WaitForFirstConsumer" {
                result.waitingForFirstConsumer.append(claim)
            } else {
                throw Problem(description: "pod has unbound immediate PersistentVolumeClaims")
            }
        }
        return result
    }
}
