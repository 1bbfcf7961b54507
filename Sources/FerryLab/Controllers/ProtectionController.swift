/// `kubernetes.io/pvc-protection` and `kubernetes.io/pv-protection`: a claim that a
/// pod still uses, or a volume still bound to a claim, is not removed when deleted;
/// it stays Terminating until nothing uses it, then its finalizer is lifted.
struct ProtectionController: Controller {
    static let claimFinalizer = "kubernetes.io/pvc-protection"
    static let volumeFinalizer = "kubernetes.io/pv-protection"

    let store: ObjectStore

    func reconcile() async {
        let pods = await store.list(ResourceCatalog.pods).filter { !ObjectStore.isTerminated($0) }
        for claim in await store.list(ResourceCatalog.persistentVolumeClaims)
        where claim.isDeleting && claim.finalizers.contains(Self.claimFinalizer) {
            let inUse = pods.contains { $0.namespace == claim.namespace && PodVolumes.claimNames($0).contains(claim.name) }
            if !inUse { await lift(Self.claimFinalizer, from: ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: claim.namespace, name: claim.name)) }
        }
        for pv in await store.list(ResourceCatalog.persistentVolumes)
        where pv.isDeleting && pv.finalizers.contains(Self.volumeFinalizer) && pv["status"]["phase"].stringValue != "Bound" {
            await lift(Self.volumeFinalizer, from: ObjectKey(ResourceCatalog.persistentVolumes, name: pv.name))
        }
    }

    private func lift(_ finalizer: String, from key: ObjectKey) async {
        await store.modify(key) { $0.finalizers.removeAll { $0 == finalizer } }
    }
}
