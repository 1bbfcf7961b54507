import FerryJSON
import FerryKube
import Foundation

/// Makes each workload claim name its copy: the claim `<claim>` ends up Bound to
/// the new PV on the target node, with the original's labels, annotations and
/// spec, so the pod spec and the Git manifest need no change. All claims at once,
/// in one step: this is downtime, and each switch is mostly waiting on the API.
/// Flux is suspended while this runs; afterwards it re-applies the manifest onto a
/// claim whose `spec.volumeName` it does not set, and leaves that field alone.
///
/// Order matters for the data: the new PV becomes Retain before its temporary claim
/// goes, the original PV is Retain (the retain step) before its claim goes, and each
/// PV is reserved for the claim that must get it before that claim is created.
/// Every PV name is journaled (under `KEY.CLAIM`) before anything changes.
///
/// Undo copies the data back (the workload may have written on the target), then
/// re-binds the original; the new PV stays, Released, until `ferry cleanup`.
struct SwitchVolumesStep: MigrationStep {
    let environment: MigrationEnvironment
    let claims: [String]

    var id: String { "switch" }
    var title: String { "Bind \(claims.joined(separator: ", ")) to their copies on \(environment.plan.target.node)" }
    var phase: MigrationPhase { .volumes }
    var lane: StepLane { .volumes }

    func inspect(_ context: StepContext) async throws -> StepState {
        for claim in claims {
            let state = try await Switch(step: self, claim: claim, context: context).inspect()
            if case .done = state { continue }
            return state
        }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        try await VolumeSteps.eachAtOnce(claims) { claim in try await Switch(step: self, claim: claim, context: context).apply() }
    }

    /// One claim after the other, last first: undo is not downtime, and a rollback
    /// that stops halfway is easier to follow.
    func undo(_ context: StepContext) async throws {
        for claim in claims.reversed() { try await Switch(step: self, claim: claim, context: context).undo() }
    }

    /// The undo binds each claim to its original PV again: one that is gone (`ferry
    /// cleanup` deletes the originals of a completed move) would leave the claim on
    /// the target with Git and the hardware already sent back to the source.
    func undoProblems(_ context: StepContext) async -> [String] {
        var problems: [String] = []
        let plan = environment.plan
        for claim in claims {
            guard let newPV = await context.recall(Self.key("newPV", claim)), let oldPV = await context.recall(Self.key("oldPV", claim)),
                await context.recall(Self.key("original", claim)) != nil
            else { continue }
            do {
                guard try await VolumeMove(environment: environment, claim: claim).volume(oldPV) == nil else { continue }
            } catch {
                continue  // An API error is the undo's to report when it gets there.
            }
            problems.append(
                "the original PV \(oldPV) of claim \(plan.workload.namespace)/\(claim) is gone (deleted by `ferry cleanup`?), so its data "
                    + "cannot go back to \(plan.source.node). What you can do: keep \(plan.workload.name) on \(plan.target.node), "
                    + "where \(claim) is bound to \(newPV) with the data; or copy that data to the source node by hand before moving back.")
        }
        return problems
    }

    func describe() -> [String] {
        claims.flatMap { Self.describe(VolumeMove(environment: environment, claim: $0)) }
    }

    static func describe(_ move: VolumeMove) -> [String] {
        let claim = move.claim
        let ns = move.namespace
        return [
            "kubectl patch pv NEW_PV (of \(move.targetClaim)) -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'",
            "kubectl -n \(ns) delete pvc \(claim) (its PV is Retain: it becomes Released with the data)",
            "kubectl -n \(ns) delete pvc \(move.targetClaim)",
            "kubectl patch pv NEW_PV: claimRef = \(ns)/\(claim) (reserved for the new claim)",
            "kubectl -n \(ns) create pvc \(claim) with spec.volumeName=NEW_PV (same class, size, access modes, labels)",
            "wait until \(claim) is Bound; kubectl patch pv NEW_PV: persistentVolumeReclaimPolicy back to the class's",
        ]
    }
}

/// The switch of one claim, its journal keys suffixed with the claim's name.
private struct Switch {
    let step: SwitchVolumesStep
    let claim: String
    let context: StepContext

    var environment: MigrationEnvironment { step.environment }
    var move: VolumeMove { VolumeMove(environment: environment, claim: claim) }
    var id: String { step.id }

    func remember(_ key: String, _ value: String) async throws {
        try await context.remember(SwitchVolumesStep.key(key, claim), value)
    }

    func recall(_ key: String) async -> String? {
        await context.recall(SwitchVolumesStep.key(key, claim))
    }

    func inspect() async throws -> StepState {
        let move = self.move
        guard try await !move.needsMove(), let (pvc, pv) = try await bound(), pvc.phase == "Bound" else {
            return .pending(reason: "\(claim) is not bound to a volume on \(environment.plan.target.node)")
        }
        if try await move.claimObject(move.targetClaim) != nil { return .pending(reason: "\(move.targetClaim) still exists") }
        if let policy = await recall("newPolicy"), await recall("newPV") == pv.name, pv.reclaimPolicy != policy {
            return .pending(reason: "PV \(pv.name) is \(pv.reclaimPolicy), not yet \(policy) again")
        }
        return .done
    }

    private func bound() async throws -> (PersistentVolumeClaim, PersistentVolume)? {
        let (pvc, pv) = try await move.current()
        guard let pvc, let pv else { return nil }
        return (pvc, pv)
    }

    func apply() async throws {
        let move = self.move
        if await recall("newPV") == nil { try await record() }
        guard let newPV = await recall("newPV"), let oldPV = await recall("oldPV"),
            let originalText = await recall("original"), let original = try? JSON.parse(Data(originalText.utf8))
        else { throw StepFailure("the journal of \(id) lacks the volumes it recorded for \(claim)", fix: "`ferry rollback`, then run the plan again") }
        let newPolicy = await recall("newPolicy") ?? "Delete"

        try await move.setPolicy(newPV, "Retain")
        try await move.label(newPV, role: "copy")
        if let current = try await move.claimObject(claim), current.volumeName != newPV {
            guard let old = try await move.volume(oldPV), old.reclaimPolicy == "Retain" else {
                throw StepFailure(
                    "PV \(oldPV) of \(claim) is not Retain: deleting its claim would delete the original data",
                    fix: "kubectl patch pv \(oldPV) -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}', then `ferry resume`")
            }
            try await move.stopWorkload(context: context)
            try await move.deleteClaim(claim)
        }
        try await move.deleteClaim(move.targetClaim)
        if try await move.claimObject(claim) == nil { try await move.reserve(newPV, for: claim) }
        try await move.bind(move.claim(named: claim, like: original, volume: newPV), context: context)
        try await remember("switched", newPV)
        try await move.setPolicy(newPV, newPolicy)
    }

    /// Journals the two PVs, the new one's policy and the original claim before any
    /// change: after a crash between deleting the claim and creating it again, this
    /// is all that says what it was.
    private func record() async throws {
        let move = self.move
        let (original, oldPV) = try await move.boundOriginal()
        guard let copy = try await move.claimObject(move.targetClaim), let newPV = try await move.volume(copy.volumeName), copy.phase == "Bound"
        else {
            throw StepFailure(
                "there is no copy of \(claim) on \(environment.plan.target.node) (\(move.targetClaim) is missing or not bound)",
                fix: "`ferry rollback` and run the plan again, so the volume is copied before it is switched")
        }
        var kept = original.json
        kept.removeValue(forKey: "status")
        for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "finalizers", "generation"] {
            kept[path: ["metadata", key]] = nil
        }
        try await remember("original", kept.serialized)
        try await remember("oldPV", oldPV.name)
        try await remember("newPolicy", newPV.reclaimPolicy == "Retain" ? "Delete" : newPV.reclaimPolicy)
        try await remember("newPV", newPV.name)
    }

    func undo() async throws {
        let move = self.move
        guard let newPV = await recall("newPV"), let oldPV = await recall("oldPV"),
            let originalText = await recall("original"), let original = try? JSON.parse(Data(originalText.utf8))
        else { return }  // nothing was changed
        guard let old = try await move.volume(oldPV) else {
            throw StepCannotUndo(step: id, instructions: "the original PV \(oldPV) is gone (ferry cleanup?): \(claim) stays on \(newPV)")
        }
        let switched = await recall("switched") != nil
        try await move.stopWorkload(context: context)
        let copyExists = try await move.volume(newPV) != nil
        if copyExists {
            try await move.setPolicy(newPV, "Retain")
            if let current = try await move.claimObject(claim), current.volumeName != oldPV { try await move.deleteClaim(claim) }
            // The copy, mounted again under its temporary name, so it can be copied back.
            if try await move.claimObject(move.targetClaim) == nil { try await move.reserve(newPV, for: move.targetClaim) }
            try await move.bind(move.claim(named: move.targetClaim, like: original, volume: newPV).replacingLabels(move.labels), context: context)
        }
        if try await move.claimObject(claim) == nil { try await move.reserve(oldPV, for: claim) }
        try await move.bind(move.claim(named: claim, like: original, volume: oldPV), context: context)
        guard copyExists else { return }
        guard switched else {
            // The workload never ran on the copy: the original is as it was. The
            // pre-copy step's undo deletes the copy with its claim.
            if let policy = await recall("newPolicy") { try await move.setPolicy(newPV, policy) }
            return
        }
        let target = try await move.targetSide()
        let back = RsyncCopy.Side(claim: claim, node: environment.plan.source.node, hostname: old.boundHostnames.first ?? target.hostname)
        context.waiting("copying \(claim) back from \(environment.plan.target.node)")
        let comparison = try await RsyncCopy(move: move).run(from: target, to: back, senders: [
            .init(stages: [.copy(live: false, checksum: true), .sums(.fresh)], waiting: "rsync and checksums of \(claim) back"),
        ], context: context)
        try move.expectSame(comparison, target, back)
        try await move.deleteClaim(move.targetClaim)
    }

}

extension SwitchVolumesStep {
    /// The journal key of one claim's switch: `KEY.CLAIM`, as the retain step does.
    static func key(_ key: String, _ claim: String) -> String { "\(key).\(claim)" }
}

extension JSON {
    /// The object with exactly these labels (a temporary claim must not carry the
    /// original's Flux labels, or a prune would take it).
    func replacingLabels(_ labels: [String: String]) -> JSON {
        var object = self
        object[path: ["metadata", "labels"]] = .object(labels.mapValues(JSON.string))
        return object
    }
}
