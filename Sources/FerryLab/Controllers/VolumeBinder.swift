import Foundation
import FerryJSON

/// The PersistentVolume controller's binding and release: a PV and a claim that
/// name each other (by `claimRef` or `volumeName`) are bound; a PV whose claim is
/// gone is Released and keeps its data unless the provisioner deletes it; a claim
/// without a class that needs provisioning is matched to an Available PV.
struct VolumeBinder: Controller {
    let store: ObjectStore

    func reconcile() async {
        let claims = await store.list(ResourceCatalog.persistentVolumeClaims)
        var volumes = await store.list(ResourceCatalog.persistentVolumes)
        for pv in volumes where !pv.isDeleting {
            let ref = pv["spec"]["claimRef"]
            guard ref != .null else {
                await setPhase(pv, "Available")
                continue
            }
            let claim = claims.first { $0.namespace == ref["namespace"].stringValue && $0.name == ref["name"].stringValue }
            let refUID = ref["uid"].stringValue ?? ""
            guard let claim, refUID.isEmpty || refUID == claim.uid, !claim.isDeleting || claim["spec"]["volumeName"].stringValue == pv.name else {
                await setPhase(pv, refUID.isEmpty ? "Available" : "Released")
                continue
            }
            if let wanted = claim["spec"]["volumeName"].stringValue, wanted != pv.name { continue }
            await bind(pv, claim)
        }
        volumes = await store.list(ResourceCatalog.persistentVolumes)
        for claim in claims where claim["status"]["phase"].stringValue == "Pending" && !claim.isDeleting {
            if let wanted = claim["spec"]["volumeName"].stringValue {
                if let pv = volumes.first(where: { $0.name == wanted }), pv["spec"]["claimRef"] == .null {
                    await bind(pv, claim)
                }
                continue
            }
            let className = claim["spec"]["storageClassName"].stringValue ?? ""
            if !className.isEmpty, await store.find(ObjectKey(ResourceCatalog.storageClasses, name: className)) != nil {
                continue  // a provisioner's job
            }
            if let pv = volumes.first(where: { matches($0, claim, className: className) }) { await bind(pv, claim) }
        }
    }

    private func matches(_ pv: JSON, _ claim: JSON, className: String) -> Bool {
        guard pv["spec"]["claimRef"] == .null, pv["status"]["phase"].stringValue == "Available",
            (pv["spec"]["storageClassName"].stringValue ?? "") == className
        else { return false }
        let wanted = Quantity.parse(claim["spec"]["resources"]["requests"]["storage"]) ?? 0
        let offered = Quantity.parse(pv["spec"]["capacity"]["storage"]) ?? 0
        let modes = Set((pv["spec"]["accessModes"].arrayValue ?? []).compactMap(\.stringValue))
        let wantedModes = Set((claim["spec"]["accessModes"].arrayValue ?? []).compactMap(\.stringValue))
        return offered >= wanted && wantedModes.isSubset(of: modes)
    }

    private func bind(_ pv: JSON, _ claim: JSON) async {
        await store.modify(ObjectKey(ResourceCatalog.persistentVolumes, name: pv.name)) {
            $0[path: ["spec", "claimRef"]] = [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": .string(claim.name),
                "namespace": .string(claim.namespace), "uid": .string(claim.uid),
                "resourceVersion": $0["spec"]["claimRef"]["resourceVersion"] == .null ? .string(claim.resourceVersion) : $0["spec"]["claimRef"]["resourceVersion"],
            ]
        }
        await setPhase(pv, "Bound")
        let claimKey = ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: claim.namespace, name: claim.name)
        await store.modify(claimKey) {
            $0[path: ["spec", "volumeName"]] = .string(pv.name)
            $0.annotations["pv.kubernetes.io/bind-completed"] = "yes"
            $0.annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        }
        await store.modify(claimKey, subresource: "status") {
            $0["status"] = [
                "phase": "Bound", "accessModes": pv["spec"]["accessModes"], "capacity": pv["spec"]["capacity"],
            ]
        }
    }

    private func setPhase(_ pv: JSON, _ phase: String) async {
        guard pv["status"]["phase"].stringValue != phase else { return }
        await store.modify(ObjectKey(ResourceCatalog.persistentVolumes, name: pv.name), subresource: "status") {
            $0["status"] = ["phase": .string(phase)]
        }
    }
}
