import FerryJSON
import FerryKube
import Foundation

/// Lifts the pause of the start (the Kustomization's suspension or the objects'
/// marks) and waits until Flux has applied the commit the GitOps step pushed, so the
/// workload comes back from Git as Git now says, on the target node.
struct ResumeFluxStep: MigrationStep {
    let environment: MigrationEnvironment
    let gitops: MigrationPlan.GitOps

    var kustomization: MigrationPlan.ObjectRef { gitops.kustomization }
    var id: String { "resume-flux" }
    var title: String {
        gitops.pause == .kustomization
            ? "Resume Flux Kustomization \(kustomization) and reconcile" : "Unmark the objects and reconcile Flux Kustomization \(kustomization)"
    }
    var phase: MigrationPhase { .deploy }

    func inspect(_ context: StepContext) async throws -> StepState {
        let object = try await environment.kube.get(.kustomizations, kustomization.name, namespace: kustomization.namespace)
        let commit = await context.recall("commit", of: EditManifestsStep.id)
        let marked = try await FluxPause(environment: environment, gitops: gitops).isMarked()
        return FluxReconciler.isApplied(object, commit: commit, requestedAt: nil) && !marked
            ? .done : .pending(reason: "\(kustomization) is paused or has not applied the pushed commit")
    }

    func apply(_ context: StepContext) async throws {
        let commit = await context.recall("commit", of: EditManifestsStep.id)
        try await FluxReconciler(environment: environment, kustomization: kustomization).resume(context, commit: commit)
    }

    /// Pauses again, so the steps undone after this one (the Git revert, the volumes)
    /// are not raced by Flux; undoing the first pause lifts it for good.
    func undo(_ context: StepContext) async throws {
        try await FluxPause(environment: environment, gitops: gitops).pause(context)
    }

    func describe() -> [String] {
        var lines = FluxPause(environment: environment, gitops: gitops).describeUnmark()
        if gitops.pause == .kustomization { lines.append("flux resume kustomization \(kustomization.name) -n \(kustomization.namespace)") }
        if let source = environment.plan.gitops?.gitRepository {
            lines.append("flux reconcile source git \(source.name) -n \(source.namespace)")
        }
        lines.append("flux reconcile kustomization \(kustomization.name) -n \(kustomization.namespace)")
        lines.append("wait until status.lastAppliedRevision is the pushed commit and Ready=True")
        return lines
    }
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
