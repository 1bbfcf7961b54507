import FerryJSON
import FerryKube

/// What ferry asks of the GitOps controller that applies the workload from Git: keep
/// off what ferry changes while the move is under way, then apply ferry's commit and
/// say when what it applies is healthy, and what to check before any of it.
///
/// Flux's Kustomization and HelmRelease are the implementations; the plan's
/// `gitops.controller` picks one. Another controller (Argo CD's Application: pause by
/// turning off automated sync, wait for `status.sync.revision` and `health.status`) is
/// one more conformance, a case of `MigrationPlan.GitOps.Controller` and its parser
/// case, and a branch in discovery that follows its tracking label
/// (docs/ARCHITECTURE.md, "GitOps controllers").
protocol GitOpsController: Sendable {
    /// The step title of the pause ("Suspend Flux HelmRelease frigate/frigate").
    var pauseTitle: String { get }
    /// The step title of the resume.
    var resumeTitle: String { get }
    /// Why `isPaused` is false, for `ferry status`.
    var notPausedReason: String { get }
    /// Why `isResumed` is false, for `ferry status`.
    var notResumedReason: String { get }

    func isPaused() async throws -> Bool
    func pause(_ context: StepContext) async throws
    /// Lifts the pause, asks for a reconcile, and waits until `commit` (nil: whatever
    /// Git has now) is applied and what the controller applies is healthy.
    func resume(_ context: StepContext, commit: PushedCommit?) async throws
    /// Whether the pause is lifted and `commit` applied and healthy.
    func isResumed(commit: PushedCommit?) async throws -> Bool
    /// Whether `commit` may have reached the cluster, so that undoing it needs the
    /// revert applied too (with the pause in place, it may not have).
    func mayHaveApplied(_ commit: String) async throws -> Bool

    /// The equivalent commands, for `--dry-run` and the report.
    func describePause() -> [String]
    func describeResume() -> [String]
    /// `ferry check`'s rows for the controller's objects.
    func preflight(facts: PreflightFacts) async -> [PreflightResult]
}

extension MigrationPlan.GitOps {
    /// The controller this section names, over the cluster `kube` reaches.
    func controller(plan: MigrationPlan, kube: KubeClient) -> any GitOpsController {
        switch controller {
        case .fluxKustomization: FluxKustomizationController(plan: plan, kube: kube, gitops: self)
        case .fluxHelmRelease: FluxHelmReleaseController(plan: plan, kube: kube, gitops: self)
        }
    }
}
