import FerryJSON
import FerryKube
import Foundation

/// Keeps Flux from scaling the workload back up, or re-creating what ferry moves,
/// while the move is under way: the Kustomization suspended, or the objects ferry
/// changes marked, at the plan's grain (`FluxPause`).
struct SuspendFluxStep: MigrationStep {
    static let id = "suspend-flux"
    let environment: MigrationEnvironment
    let gitops: MigrationPlan.GitOps

    var pause: FluxPause { FluxPause(environment: environment, gitops: gitops) }
    var id: String { Self.id }
    var title: String { pause.summary }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        try await pause.isPaused() ? .done : .pending(reason: gitops.pause == .kustomization
            ? "\(gitops.kustomization) is not suspended" : "not every object carries \(FluxPause.reconcileAnnotation): disabled")
    }

    func apply(_ context: StepContext) async throws {
        try await pause.pause(context)
    }

    /// Lifts the pause for good and has Flux apply what Git says now (after a
    /// rollback's revert: the workload as it was).
    func undo(_ context: StepContext) async throws {
        try await FluxReconciler(environment: environment, kustomization: gitops.kustomization).resume(context)
    }

    func describe() -> [String] { pause.describePause() }
}
