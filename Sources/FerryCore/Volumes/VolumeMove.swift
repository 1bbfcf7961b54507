import Crypto
import FerryJSON
import FerryKube
import Foundation

/// One volume being moved: the names and labels every step of its move agrees on,
/// so that a step run in another process (resume, rollback, cleanup) finds what an
/// earlier one made without being told.
struct VolumeMove: Sendable {
    static let migrationLabel = "ferry.dev/migration"
    static let volumeLabel = "ferry.dev/volume"
    static let roleLabel = "ferry.dev/role"

    let environment: MigrationEnvironment
    let claim: String

    /// The helper pods' image: the plan's for this volume, else ferry's default.
    var image: String { plan.volumes.first { $0.claim == claim }?.image ?? HelperImage.rsync }

    var kube: KubeClient { environment.kube }
    var namespace: String { environment.workload.namespace }
    var plan: MigrationPlan { environment.plan }

    /// The claim the copy is written to on the target node until the switch makes
    /// its volume the workload's: `<claim>-ferry-<hash of the migration>`.
    var targetClaim: String {
        let suffix = "-ferry-" + Self.shortHash(plan.name)
        return String(claim.prefix(253 - suffix.count)) + suffix
    }

    /// Label values are at most 63 characters; longer names are shortened with a hash
    /// so they stay unique.
    static func labelValue(_ text: String) -> String {
        guard text.count > 63 else { return text }
        return String(text.prefix(54)) + "-" + shortHash(text, length: 8)
    }

    static func shortHash(_ text: String, length: Int = 6) -> String {
        String(SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined().prefix(length))
    }

    /// Every object ferry makes for this volume carries these, so `ferry resume`
    /// finds leftovers by label after a crash.
    var labels: [String: String] {
        [Self.migrationLabel: Self.labelValue(plan.name), Self.volumeLabel: Self.labelValue(claim)]
    }

    var selector: String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// Labels a PV ferry keeps (the original after the move, the copy after a
    /// rollback) with the migration, the volume and its role, so that `ferry cleanup`
    /// finds it by label when the journal is archived or gone.
    func label(_ pv: String, role: String) async throws {
        var labels = self.labels
        labels[Self.roleLabel] = role
        _ = try await kube.patch(.persistentVolumes, pv, ["metadata": ["labels": .object(labels.mapValues(JSON.string))]])
    }

    func podName(_ role: String) -> String {
        let suffix = "-ferry-\(role)"
        return String(claim.prefix(63 - suffix.count)).trimmingCharacters(in: CharacterSet(charactersIn: "-.")) + suffix
    }

    // MARK: reading the world

    /// Runs `body`; the client's timeout becomes `failure`, which says what to do.
    func timeout<T: Sendable>(_ failure: @autoclosure () -> StepFailure, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if let client = error as? KubeClientError, client.code == .timeout { throw failure() }
            throw error
        }
    }

    /// Creates `object`; one that exists already (an earlier attempt made it) is fine.
    func createUnlessExists(_ type: ResourceType, _ object: JSON) async throws {
        do {
            try await kube.create(type, object, namespace: namespace)
        } catch {
            if error.isAlreadyExists { return }
            throw error
        }
    }

    func claimObject(_ name: String) async throws -> PersistentVolumeClaim? {
        try await kube.find(.persistentVolumeClaims, name, namespace: namespace).map(PersistentVolumeClaim.init(json:))
    }

    func volume(_ name: String?) async throws -> PersistentVolume? {
        guard let name, !name.isEmpty else { return nil }
        return try await kube.find(.persistentVolumes, name).map(PersistentVolume.init(json:))
    }

    func node(_ name: String) async throws -> Node {
        guard let json = try await kube.find(.nodes, name) else {
            throw StepFailure("node \(name) does not exist", fix: "check the plan's node names against `kubectl get nodes`")
        }
        return Node(json: json)
    }

    /// The workload's claim and the PV it is bound to now.
    func current() async throws -> (PersistentVolumeClaim?, PersistentVolume?) {
        let pvc = try await claimObject(claim)
        return (pvc, try await volume(pvc?.volumeName))
    }

    /// Whether the claim's data still has to reach the target node: false once the
    /// claim is bound to a volume the target mounts (moved, or never node-bound).
    func needsMove() async throws -> Bool {
        let (pvc, pv) = try await current()
        guard let pvc, let pv, pvc.phase == "Bound" else { return pvc == nil ? false : true }
        return VolumePlacement(pv: pv, target: try await node(plan.target.node)).needsMove
    }

    /// The claim as it must be to work: bound, with a PV.
    func boundOriginal() async throws -> (PersistentVolumeClaim, PersistentVolume) {
        let (pvc, pv) = try await current()
        guard let pvc else {
            throw StepFailure("there is no PVC \(namespace)/\(claim)", fix: "check the plan's volumes against `kubectl -n \(namespace) get pvc`")
        }
        guard let pv, pvc.phase == "Bound" else {
            throw StepFailure(
                "PVC \(namespace)/\(claim) is \(pvc.phase), not bound to a volume: there is no data to move",
                fix: "set its action to keep in the plan, or bind it first (kubectl -n \(namespace) describe pvc \(claim))")
        }
        return (pvc, pv)
    }
}
