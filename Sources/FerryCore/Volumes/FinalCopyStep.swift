import FerryJSON
import FerryKube
import Foundation

/// The last copy of a volume, with the workload stopped: rsync sends only what
/// changed since the first pass, then a manifest of each side (types, modes,
/// owners, sizes, link targets, SHA-256 of every file) is compared. A difference
/// stops the run here, before the switch, with the original claim bound and
/// untouched; `ferry resume` copies again, comparing contents this time.
struct FinalCopyStep: MigrationStep {
    let environment: MigrationEnvironment
    let claim: String
    var image: String = HelperImage.rsync

    var move: VolumeMove { VolumeMove(environment: environment, claim: claim, image: image) }
    var id: String { "final-copy-\(claim)" }
    var title: String { "Copy the changes of \(claim) to \(environment.plan.target.node) and verify them" }
    var phase: MigrationPhase { .volumes }

    func inspect(_ context: StepContext) async throws -> StepState {
        try await move.needsMove() ? .pending(reason: "\(claim) is not on \(environment.plan.target.node)") : .done
    }

    func apply(_ context: StepContext) async throws {
        let move = self.move
        let running = try await environment.pods()
        guard running.isEmpty else {
            throw StepFailure(
                "\(environment.workload.name) still has \(running.count) pod(s): the last copy of \(claim) needs it stopped",
                fix: "kubectl -n \(move.namespace) scale \(environment.workload.kind.rawValue.lowercased()) \(environment.workload.name) --replicas=0, then `ferry resume`")
        }
        let (original, pv) = try await move.boundOriginal()
        try await move.ensureTargetClaim(like: original)
        let source = try await move.sourceSide(pv)
        let target = try await move.targetSide()
        let checksum = await context.recall("mismatch") != nil
        try await RsyncCopy(move: move).copy(from: source, to: target, live: false, checksum: checksum, context: context)
        do {
            try await move.verify(source, target, context: context)
        } catch {
            try await context.remember("mismatch", "\(Date().timeIntervalSince1970)")
            throw error
        }
    }

    /// The copy is only read from here on; the pre-copy step's undo removes it.
    func undo(_ context: StepContext) async throws {
        try await HelperPods(move: move).removeAll()
    }

    func describe() -> [String] {
        let move = self.move
        return [
            "rsync pass again from \(claim) on \(environment.plan.source.node) to \(move.targetClaim) on \(environment.plan.target.node) (only the changes)",
            "pods \(move.podName("sum-source")) and \(move.podName("sum-target")): find + stat + sha256sum of every entry, compared by ferry",
        ]
    }
}
