import FerryGitOps
import FerryJSON
import FerryKube
import Foundation

/// Lifts the pause of the start and waits until the GitOps controller has applied
/// the commit the GitOps step pushed, so the workload comes back from Git as Git now
/// says, on the target node.
struct ResumeFluxStep: MigrationStep {
    let environment: MigrationEnvironment
    let gitops: MigrationPlan.GitOps

    var controller: any GitOpsController { gitops.controller(plan: environment.plan, kube: environment.kube) }
    var id: String { "resume-flux" }
    var title: String { controller.resumeTitle }
    var phase: MigrationPhase { .deploy }

    func inspect(_ context: StepContext) async throws -> StepState {
        let commit = await pushed(context)
        return try await controller.isResumed(commit: commit)
            ? .done : .pending(reason: controller.notResumedReason)
    }

    func apply(_ context: StepContext) async throws {
        try await controller.resume(context, commit: await pushed(context))
    }

    private func pushed(_ context: StepContext) async -> PushedCommit? {
        guard let commit = await context.recall("commit", of: EditManifestsStep.id) else { return nil }
        return PushedCommit(commit, in: GitRepository(directory: environment.repositoryURL))
    }

    /// Pauses again, so the steps undone after this one (the Git revert, the volumes)
    /// are not raced by the controller; undoing the first pause lifts it for good.
    func undo(_ context: StepContext) async throws {
        try await controller.pause(context)
    }

    func describe() -> [String] { controller.describeResume() }
}

/// Waits for the workload's pods Ready on the target node.
struct WaitReadyStep: MigrationStep {
    let environment: MigrationEnvironment

    var id: String { "wait-ready" }
    var title: String { "Wait for \(environment.workload.name) Ready on \(environment.plan.target.node)" }
    var phase: MigrationPhase { .deploy }

    func inspect(_ context: StepContext) async throws -> StepState {
        let ready = try await environment.pods().filter { $0.isReady && $0.nodeName == environment.plan.target.node }
        return ready.isEmpty ? .pending(reason: "no Ready pod on \(environment.plan.target.node)") : .done
    }

    func apply(_ context: StepContext) async throws {
        try await PodsReady(environment: environment).wait(context, on: environment.plan.target.node)
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        ["kubectl -n \(environment.workload.namespace) wait pods --for=condition=Ready (on \(environment.plan.target.node))"]
    }
}
