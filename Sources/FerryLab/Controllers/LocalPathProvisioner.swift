import Foundation
import FerryJSON

/// rancher.io/local-path as K3s ships it: when the scheduler has picked a node for a
/// WaitForFirstConsumer claim (`volume.kubernetes.io/selected-node`), it creates a
/// directory on that node and a PV pinned to it by node affinity on
/// `kubernetes.io/hostname` (the label's value, which can differ from the node's
/// name). When such a PV is released and its policy is Delete, it removes the
/// directory and the PV; with Retain both stay.
struct LocalPathProvisioner: Controller {
    static let name = "rancher.io/local-path"
    static let storageRoot = "/var/lib/rancher/k3s/storage"

    let store: ObjectStore
    let filesystem: NodeFilesystem
    let events: EventRecorder

    init(store: ObjectStore, filesystem: NodeFilesystem) {
        self.store = store
        self.filesystem = filesystem
        self.events = EventRecorder(store: store, component: "rancher.io/local-path_local-path-provisioner")
    }

    func reconcile() async {
        let classes = await store.list(ResourceCatalog.storageClasses).filter { $0["provisioner"].stringValue == Self.name }
        let classNames = Set(classes.map(\.name))
        for claim in await store.list(ResourceCatalog.persistentVolumeClaims)
        where claim["status"]["phase"].stringValue == "Pending" && claim["spec"]["volumeName"] == .null && !claim.isDeleting
            && classNames.contains(claim["spec"]["storageClassName"].stringValue ?? "")
        {
            guard let nodeName = claim.annotations["volume.kubernetes.io/selected-node"] else { continue }
            let storageClass = classes.first { $0.name == claim["spec"]["storageClassName"].stringValue }!
            await provision(claim, nodeName: nodeName, storageClass: storageClass)
        }
        let nodes = await store.list(ResourceCatalog.nodes)
        for pv in await store.list(ResourceCatalog.persistentVolumes)
        where pv.annotations["pv.kubernetes.io/provisioned-by"] == Self.name && pv["status"]["phase"].stringValue == "Released"
            && pv["spec"]["persistentVolumeReclaimPolicy"].stringValue == "Delete" && !pv.isDeleting
        {
            if let node = Self.node(of: pv, nodes: nodes), let path = pv["spec"]["hostPath"]["path"].stringValue ?? pv["spec"]["local"]["path"].stringValue {
                try? filesystem.remove(node: node, path: path)
            }
            _ = try? await store.delete(ObjectKey(ResourceCatalog.persistentVolumes, name: pv.name))
        }
    }

    private func provision(_ claim: JSON, nodeName: String, storageClass: JSON) async {
        guard let node = await store.find(ObjectKey(ResourceCatalog.nodes, name: nodeName)) else { return }
        let hostname = node.labels["kubernetes.io/hostname"] ?? nodeName
        let pvName = "pvc-\(claim.uid)"
        let path = "\(Self.storageRoot)/\(pvName)_\(claim.namespace)_\(claim.name)"
        do {
            try filesystem.createDirectory(node: nodeName, path: path)
        } catch {
            await events.record(
                claim, kind: ResourceCatalog.persistentVolumeClaims, type: "Warning", reason: "ProvisioningFailed",
                message: "failed to provision volume with StorageClass \"\(storageClass.name)\": \(error.localizedDescription)")
            return
        }
        let pv: JSON = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": [
                "name": .string(pvName),
                "annotations": ["pv.kubernetes.io/provisioned-by": .string(Self.name)],
                "finalizers": ["kubernetes.io/pv-protection"],
            ],
            "spec": [
                "accessModes": claim["spec"]["accessModes"],
                "capacity": ["storage": claim["spec"]["resources"]["requests"]["storage"]],
                "claimRef": [
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": .string(claim.name),
                    "namespace": .string(claim.namespace), "uid": .string(claim.uid), "resourceVersion": .string(claim.resourceVersion),
                ],
                "hostPath": ["path": .string(path), "type": "DirectoryOrCreate"],
                "nodeAffinity": ["required": ["nodeSelectorTerms": [[
                    "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(hostname)]]],
                ]]]],
                "persistentVolumeReclaimPolicy": storageClass["reclaimPolicy"] == .null ? "Delete" : storageClass["reclaimPolicy"],
                "storageClassName": .string(storageClass.name), "volumeMode": "Filesystem",
            ],
            "status": ["phase": "Pending"],
        ]
        guard (try? await store.create(pv, kind: ResourceCatalog.persistentVolumes)) != nil else { return }
        await events.record(
            claim, kind: ResourceCatalog.persistentVolumeClaims, reason: "ProvisioningSucceeded",
            message: "Successfully provisioned volume \(pvName)")
    }

    /// The node a local PV lives on: the one whose `kubernetes.io/hostname` label
    /// the PV's node affinity names (the label, not the node name, is what counts).
    static func node(of pv: JSON, nodes: [JSON]) -> String? {
        let term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue?.first
        let expression = term?["matchExpressions"].arrayValue?.first { $0["key"].stringValue == "kubernetes.io/hostname" }
        guard let hostname = expression?["values"].arrayValue?.first?.stringValue else { return nil }
        return nodes.first { $0.labels["kubernetes.io/hostname"] == hostname }?.name
    }
}
