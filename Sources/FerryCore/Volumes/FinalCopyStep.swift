import FerryJSON
import FerryKube
import Foundation

/// The last copy of the volumes, with the workload stopped: for each volume at once,
/// both sides are listed, each on its node (types, modes, owners, sizes, link
/// targets, SHA-256 of every file; unchanged files' checksums come from the first
/// pass), rsync sends only the paths whose lines differ, and those are listed again
/// on the target. So the volume is walked once on each side, not twice as by a
/// whole rsync pass followed by the listings. A difference stops the run here, before
/// any switch, with the original claims bound and untouched; so does a file of the
/// copy that changed since the first pass while its original did not (something
/// else wrote the copy). `ferry resume` copies that volume again, comparing contents
/// and hashing every file this time.
///
/// One step for all volumes, because this is downtime: each volume's pass is mostly
/// waiting for its two helper pods to start and stop, and those waits overlap.
struct FinalCopyStep: MigrationStep {
    let environment: MigrationEnvironment
    let claims: [String]

    func move(_ claim: String) -> VolumeMove { VolumeMove(environment: environment, claim: claim) }
    var id: String { "final-copy" }
    var title: String {
        "Copy the changes of \(claims.joined(separator: ", ")) to \(environment.plan.target.node) and verify them"
    }
    var phase: MigrationPhase { .volumes }
    var lane: StepLane { .volumes }

    func inspect(_ context: StepContext) async throws -> StepState {
        var pending: [String] = []
        for claim in claims where try await move(claim).needsMove() { pending.append(claim) }
        guard pending.isEmpty else { return .pending(reason: "\(pending.joined(separator: ", ")) not on \(environment.plan.target.node)") }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        let running = try await environment.pods()
        guard running.isEmpty else {
            let workload = environment.workload
            throw StepFailure(
                "\(workload.name) still has \(running.count) pod(s): the last copy of its volumes needs it stopped",
                fix: "kubectl -n \(workload.namespace) scale \(workload.kind.rawValue.lowercased()) \(workload.name) --replicas=0, then `ferry resume`")
        }
        try await VolumeSteps.eachAtOnce(claims) { claim in try await copy(claim, context: context) }
    }

    /// One volume's pass, unless an earlier attempt already switched it.
    private func copy(_ claim: String, context: StepContext) async throws {
        let move = self.move(claim)
        guard try await move.needsMove() else { return }
        let (original, pv) = try await move.boundOriginal()
        try await move.ensureTargetClaim(like: original)
        let source = try await move.sourceSide(pv)
        let target = try await move.targetSide()
        // After a difference the checksums of the last listing are not trusted either.
        let mismatch = await context.recall("mismatch-\(claim)") != nil
        var sender = Self.sender(claim, from: source, to: target)
        if mismatch { sender.stages = [.copy(live: false, checksum: true), .sums(.fresh)] }
        let comparison = try await RsyncCopy(move: move).run(from: source, to: target, senders: [sender], context: context)
        do {
            try move.expectSame(comparison, source, target)
        } catch {
            try await context.remember("mismatch-\(claim)", "\(Date().timeIntervalSince1970)")
            throw error
        }
        // For the report: how many entries (files, directories, links) both sides listed alike.
        if let comparison { try await context.remember(Self.verifiedKey(claim), String(comparison.target.count)) }
    }

    /// The pass's sender; the first copy starts it ahead (`RsyncCopy.arm`).
    static func sender(_ claim: String, from source: RsyncCopy.Side, to target: RsyncCopy.Side) -> RsyncCopy.Sender {
        .init(stages: [.changes], waiting: "rsync and checksums of \(claim) from \(source.node) to \(target.node)")
    }

    /// The journal key of a claim's verified entry count (`ferry report`).
    static func verifiedKey(_ claim: String) -> String { "verified.\(claim)" }

    /// The copies are only read from here on; the pre-copy steps' undo removes them.
    func undo(_ context: StepContext) async throws {
        for claim in claims { try await HelperPods(move: move(claim)).removeAll() }
    }

    func describe() -> [String] {
        claims.flatMap { claim in
            let move = self.move(claim)
            return [
                "find + stat + sha256sum of every entry of \(claim) on \(environment.plan.source.node) and \(move.targetClaim) on \(environment.plan.target.node) at once (checksums of unchanged files from the first pass)",
                "rsync -aHS -I --delete-missing-args --files-from of the paths that differ, then those listed again on \(environment.plan.target.node) and compared by ferry",
            ]
        }
    }
}
