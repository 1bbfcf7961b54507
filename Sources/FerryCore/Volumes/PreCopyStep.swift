import FerryJSON
import FerryKube
import Foundation

/// The first copy of a volume, made while the workload still runs (a second pod
/// may mount a ReadWriteOnce volume on the same node), so that after scale-down
/// only what changed since has to move: the downtime grows with the bytes changed,
/// not with the volume's size.
///
/// It creates the volume's future home, a claim on the target node, checks that the
/// data fits, runs one rsync pass, then lists both sides with their checksums, so the
/// final pass hashes only what changed since. Its receiver stays, serving, for the
/// final pass, which then starts no receiver in the downtime. Undo deletes that claim
/// (and with it the copy); the original was only read.
struct PreCopyStep: MigrationStep {
    let environment: MigrationEnvironment
    let claim: String

    var move: VolumeMove { VolumeMove(environment: environment, claim: claim) }
    var id: String { "pre-copy-\(claim)" }
    var title: String { "Copy volume \(claim) to \(environment.plan.target.node) while \(environment.workload.name) runs" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        try await move.needsMove() ? .pending(reason: "\(claim) is not on \(environment.plan.target.node)") : .done
    }

    func apply(_ context: StepContext) async throws {
        let move = self.move
        let (original, pv) = try await move.boundOriginal()
        try await move.ensureTargetClaim(like: original)
        let source = try await move.sourceSide(pv)
        let target = try await move.targetSide()
        try await RsyncCopy(move: move).run(from: source, to: target, senders: [
            .init(stages: [.room, .copy(live: true, checksum: false)], waiting: "rsync of \(claim) from \(source.node) to \(target.node)"),
            .init(stages: [.sums(.keep)], waiting: "checksums of \(claim) on \(source.node) and \(target.node)"),
        ], keepReceiver: true, context: context)
        // A help, not a need: should it fail, the final pass starts its own sender.
        do {
            try await RsyncCopy(move: move).arm(from: source, sender: FinalCopyStep.sender(claim, from: source, to: target))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.warn("the final pass's sender for \(claim) could not be started ahead (\(error)): the final pass starts it in the downtime")
        }
    }

    func undo(_ context: StepContext) async throws {
        try await HelperPods(move: move).removeAll()
        // Once the switch has made the copy the workload's volume, the claim is gone
        // and its PV Retain: nothing here deletes data the workload wrote.
        if let target = try await move.claimObject(move.targetClaim),
            let pv = try await move.volume(target.volumeName), pv.reclaimPolicy == "Retain"
        {
            context.warn("left PVC \(move.namespace)/\(move.targetClaim) and its PV \(pv.name) (Retain) in place: delete them once you have checked what they hold")
            return
        }
        try await move.deleteClaim(move.targetClaim)
    }

    func describe() -> [String] {
        let move = self.move
        return [
            "kubectl -n \(move.namespace) create pvc \(move.targetClaim) (like \(claim)) on \(environment.plan.target.node)",
            "pod \(move.podName("receiver")) (\(move.image)) on \(environment.plan.target.node): rsync --daemon on its pod IP, serving \(move.targetClaim)",
            "pod \(move.podName("sender")) on \(environment.plan.source.node): check the room, then rsync -aH --numeric-ids --inplace (-S too when a file has holes) --partial, files over 1 MiB first in \(RsyncCopy.streams) at once, then --delete /data/ rsync://RECEIVER/vol/ (\(claim) read-only)",
            "pod \(move.podName("sender-2")) on \(environment.plan.source.node): find + stat + sha256sum of every entry on both sides, kept for the final pass",
            "delete the senders; the receiver serves on for the final pass (label \(move.selector))",
            "pod \(move.podName(HelperPods.armedRole)) on \(environment.plan.source.node): the final pass's sender, waiting (nc -l on its pod IP) for ferry's word through the API server's pod proxy",
        ]
    }
}
