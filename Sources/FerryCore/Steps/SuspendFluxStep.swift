import FerryJSON
import FerryKube
import Foundation

/// Keeps the GitOps controller from scaling the workload back up, or re-creating
/// what ferry moves, while the move is under way, at the plan's grain
/// (`GitOpsController.pause`). The id predates other controllers; journals keep it.
struct SuspendFluxStep: MigrationStep {
    static let id = "suspend-flux"
    let environment: MigrationEnvironment
    let gitops: MigrationPlan.GitOps

    var controller: any GitOpsController { gitops.controller(plan: environment.plan, kube: environment.kube) }
    var id: String { Self.id }
    var title: String { controller.pauseTitle }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        try await controller.isPaused() ? .done : .pending(reason: controller.notPausedReason)
    }

    func apply(_ context: StepContext) async throws {
        try await controller.pause(context)
    }

    /// Lifts the pause for good and has the controller apply what Git says now (after
    /// a rollback's revert: the workload as it was).
    func undo(_ context: StepContext) async throws {
        try await controller.resume(context, commit: nil)
    }

    func describe() -> [String] { controller.describePause() }
}
