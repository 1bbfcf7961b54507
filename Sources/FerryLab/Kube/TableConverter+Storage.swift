import Foundation
import FerryJSON

/// PersistentVolumeClaims, PersistentVolumes and StorageClasses:
/// printPersistentVolumeClaim, printPersistentVolume, printStorageClass.
extension TableConverter {
    static let persistentVolumeClaimPrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Status", type: "string",
                description: "phase represents the current phase of PersistentVolumeClaim."),
            Column(
                name: "Volume", type: "string",
                description: "volumeName is the binding reference to the PersistentVolume backing this claim."),
            Column(
                name: "Capacity", type: "string",
                description: "capacity represents the actual resources of the underlying volume."),
            Column(
                name: "Access Modes", type: "string",
                description: "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
            Column(name: "StorageClass", type: "string", description: "StorageClass of the pvc"),
            Column(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pvc"),
            .age,
            Column(
                name: "VolumeMode", type: "string",
                description: "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
                priority: 1),
        ],
        row: { pvc, now in
            let spec = pvc["spec"], status = pvc["status"]
            var phase = status["phase"].stringValue ?? ""
            if parseTime(pvc["metadata"]["deletionTimestamp"]) != nil { phase = "Terminating" }
            let volumeName = spec["volumeName"].stringValue ?? ""
            let bound = !volumeName.isEmpty
            let storageClass =
                pvc["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"].stringValue
                ?? spec["storageClassName"].stringValue ?? ""
            return PrintedRow(cells: [
                name(pvc), .string(phase), .string(volumeName),
                .string(bound ? (status["capacity"]["storage"].stringValue ?? "0") : ""),
                .string(bound ? accessModes(status["accessModes"]) : ""),
                .string(storageClass), .string(spec["volumeAttributesClassName"].stringValue ?? "<unset>"),
                age(pvc, now), .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ])
        }
    )

    static let persistentVolumePrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Capacity", type: "string",
                description: "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
            Column(
                name: "Access Modes", type: "string",
                description: "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
            Column(
                name: "Reclaim Policy", type: "string",
                description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
            Column(
                name: "Status", type: "string",
                description: "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
            Column(
                name: "Claim", type: "string",
                description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
            Column(name: "StorageClass", type: "string", description: "StorageClass of the pv"),
            Column(name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pv"),
            Column(
                name: "Reason", type: "string",
                description: "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            .age,
            Column(
                name: "VolumeMode", type: "string",
                description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
                priority: 1),
        ],
        row: { pv, now in
            let spec = pv["spec"], status = pv["status"]
            var phase = status["phase"].stringValue ?? ""
            if parseTime(pv["metadata"]["deletionTimestamp"]) != nil { phase = "Terminating" }
            var claim = ""
            if spec["claimRef"].objectValue != nil {
                claim = "\(spec["claimRef"]["namespace"].stringValue ?? "")/\(spec["claimRef"]["name"].stringValue ?? "")"
            }
            let storageClass =
                pv["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"].stringValue
                ?? spec["storageClassName"].stringValue ?? ""
            return PrintedRow(cells: [
                name(pv), .string(spec["capacity"]["storage"].stringValue ?? "0"), .string(accessModes(spec["accessModes"])),
                .string(spec["persistentVolumeReclaimPolicy"].stringValue ?? ""), .string(phase), .string(claim),
                .string(storageClass), .string(spec["volumeAttributesClassName"].stringValue ?? "<unset>"),
                .string(status["reason"].stringValue ?? ""), age(pv, now),
                .string(spec["volumeMode"].stringValue ?? "<unset>"),
            ])
        }
    )

    /// GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, comma-joined.
    static func accessModes(_ modes: JSON) -> String {
        let present = Set((modes.arrayValue ?? []).compactMap(\.stringValue))
        let known: [(String, String)] = [
            ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"),
        ]
        return known.filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    static let storageClassPrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Provisioner", type: "string",
                description: "provisioner indicates the type of the provisioner."),
            Column(
                name: "ReclaimPolicy", type: "string",
                description: "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
            Column(
                name: "VolumeBindingMode", type: "string",
                description: "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
            Column(
                name: "AllowVolumeExpansion", type: "string",
                description: "allowVolumeExpansion shows whether the storage class allow volume expand."),
            .age,
        ],
        row: { sc, now in
            var title = sc["metadata"]["name"].stringValue ?? ""
            if isDefaultClass(sc) { title += " (default)" }
            return PrintedRow(cells: [
                .string(title), .string(sc["provisioner"].stringValue ?? ""),
                .string(string(sc["reclaimPolicy"], or: "Delete")),
                .string(string(sc["volumeBindingMode"], or: "Immediate")),
                .bool(sc["allowVolumeExpansion"].boolValue ?? false), age(sc, now),
            ])
        }
    )

    /// storageutil.IsDefaultAnnotation: the GA or the beta annotation set to "true".
    static func isDefaultClass(_ sc: JSON) -> Bool {
        let annotations = sc["metadata"]["annotations"]
        return annotations["storageclass.kubernetes.io/is-default-class"] == "true"
            || annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true"
    }
}
