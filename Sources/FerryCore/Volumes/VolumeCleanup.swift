import FerryJSON
import FerryKube
import Foundation

/// What `ferry cleanup` deletes: the volumes a migration left behind on purpose.
/// After a completed move those are the originals on the source node; after a
/// rollback, the copies on the target. Each is Retain and Released (no claim uses
/// it); anything else ferry does not touch.
public struct VolumeCleanup: Sendable {
    public struct Leftover: Sendable, Equatable {
        public var pv: String
        public var claim: String
        public var nodes: [String]
        public var path: String?
        public var capacity: String?

        public var description: String {
            "PV \(pv) (was \(claim)), \(capacity ?? "size unknown")"
                + (nodes.isEmpty ? "" : " on \(nodes.joined(separator: ","))") + (path.map { " at \($0)" } ?? "")
        }
    }

    public let kube: KubeClient

    public init(kube: KubeClient) {
        self.kube = kube
    }

    /// The PVs the journal's switch steps recorded that no claim uses any more.
    public func leftovers(_ journal: Journal) async throws -> [Leftover] {
        switch journal.status {
        case .completed, .rolledBack: break
        default:
            throw StepFailure(
                "migration \(journal.migration) is \(journal.status.rawValue): its volumes may still be needed",
                fix: "finish it with `ferry resume` or undo it with `ferry rollback` first")
        }
        var found: [Leftover] = []
        for entry in journal.entries where entry.step == "switch" {
            let claims = entry.memory.keys.compactMap { $0.hasPrefix("oldPV.") ? String($0.dropFirst("oldPV.".count)) : nil }
            for claim in claims.sorted() {
                for key in ["oldPV", "newPV"] {
                    guard let name = entry.memory[SwitchVolumesStep.key(key, claim)], !found.contains(where: { $0.pv == name }),
                        let json = try await kube.find(.persistentVolumes, name)
                    else { continue }
                    let pv = PersistentVolume(json: json)
                    guard json["status"]["phase"].stringValue == "Released", pv.reclaimPolicy == "Retain", !pv.isDeleting else { continue }
                    found.append(Leftover(
                        pv: name, claim: claim, nodes: pv.boundHostnames, path: pv.localPath,
                        capacity: json["spec"]["capacity"]["storage"].stringValue))
                }
            }
        }
        return found
    }

    /// The PVs a migration kept, found by the labels ferry puts on them
    /// (`ferry.dev/migration`), for when its journal is archived or gone.
    public func leftovers(labelledFor migration: String) async throws -> [Leftover] {
        let selector = "\(VolumeMove.migrationLabel)=\(VolumeMove.labelValue(migration)),\(VolumeMove.roleLabel) in (original,copy)"
        return try await kube.list(.persistentVolumes, labelSelector: selector).items.compactMap { json in
            let pv = PersistentVolume(json: json)
            guard json["status"]["phase"].stringValue == "Released", pv.reclaimPolicy == "Retain", !pv.isDeleting else { return nil }
            return Leftover(
                pv: pv.name, claim: json["spec"]["claimRef"]["name"].stringValue ?? "?", nodes: pv.boundHostnames, path: pv.localPath,
                capacity: json["spec"]["capacity"]["storage"].stringValue)
        }.sorted { $0.pv < $1.pv }
    }

    /// Gives each PV back to its provisioner to delete (policy Delete on a Released
    /// volume), which removes the data too, and waits until it is gone.
    public func delete(_ leftover: Leftover, timeout: Duration = .seconds(120)) async throws {
        try await kube.patch(.persistentVolumes, leftover.pv, ["spec": ["persistentVolumeReclaimPolicy": "Delete"]])
        do {
            _ = try await kube.waitFor(.persistentVolumes, leftover.pv, timeout: timeout, waitingFor: "PV \(leftover.pv) to be deleted") { $0 == nil }
        } catch {
            throw StepFailure(
                "PV \(leftover.pv) is set to Delete but is still there after \(timeout): \(error)",
                fix: "kubectl describe pv \(leftover.pv) shows why its provisioner did not delete it; "
                    + "delete it by hand (and its data\(leftover.path.map { " at \($0)" } ?? ""))")
        }
    }
}
