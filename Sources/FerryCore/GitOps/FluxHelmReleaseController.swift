import FerryJSON
import FerryKube
import Foundation

/// A Flux HelmRelease rendering the workload from a chart and the values in Git, the
/// HelmRelease itself applied by a Kustomization.
///
/// The release is suspended for the move: helm-controller then neither upgrades it
/// nor corrects drift (with `driftDetection`, it would scale the workload straight
/// back up), while the Kustomization, and every other app, keep reconciling. To
/// resume, the Kustomization applies ferry's commit (the new values reach the
/// HelmRelease's spec), then the suspension is lifted with a forced reconcile
/// (`flux reconcile helmrelease --force`): ferry scaled the workload down itself, and
/// without new values helm-controller would not upgrade, so nothing would bring it
/// back. The release counts as done when helm-controller has answered that request for
/// the HelmRelease's current generation, Ready, its newest release `deployed`.
struct FluxHelmReleaseController: GitOpsController {
    let plan: MigrationPlan
    let kube: KubeClient
    let gitops: MigrationPlan.GitOps

    var release: MigrationPlan.ObjectRef { gitops.helmRelease ?? gitops.kustomization }
    var flux: FluxPause { FluxPause(plan: plan, kube: kube, gitops: gitops) }
    var reconciler: FluxReconciler { FluxReconciler(plan: plan, kube: kube, kustomization: gitops.kustomization) }

    var pauseTitle: String { flux.summary }
    var resumeTitle: String { "Resume Flux HelmRelease \(release) and wait for its upgrade" }
    var notPausedReason: String { "\(release) is not suspended" }
    var notResumedReason: String { "\(release) is suspended or has not released the values of the pushed commit" }

    func isPaused() async throws -> Bool { try await flux.isPaused() }
    func pause(_ context: StepContext) async throws { try await flux.pause(context) }

    func resume(_ context: StepContext, commit: PushedCommit?) async throws {
        try await reconciler.resume(context, commit: commit)
        let now = FluxReconciler.timestamp()
        var patch = JSON.object([:])
        patch[path: ["metadata", "annotations", FluxReconciler.requestedAt]] = .string(now)
        patch[path: ["metadata", "annotations", Self.forceAt]] = .string(now)
        patch[path: ["metadata", "annotations", FluxPause.reasonAnnotation]] = .some(.null)
        patch[path: ["spec", "suspend"]] = .bool(false)
        try await kube.patch(.helmReleases, release.name, namespace: release.namespace, patch)
        let what = "helm-controller to release \(release)"
        context.waiting(what)
        let timeout = plan.timeouts.reconcile
        do {
            _ = try await kube.waitFor(.helmReleases, release.name, namespace: release.namespace, timeout: timeout.duration, waitingFor: what) {
                $0.map { Self.isReleased($0, requestedAt: now) } ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            let object = try? await kube.get(.helmReleases, release.name, namespace: release.namespace)
            let message = object.flatMap { FluxReconciler.condition($0, "Ready") }?["message"].stringValue ?? "no Ready condition"
            throw StepFailure(
                "HelmRelease \(release) was not released within \(timeout): \(message)",
                fix: "flux get helmreleases -n \(release.namespace) \(release.name); fix what it reports (the values in Git, the chart), then `ferry resume`")
        }
    }

    /// With `requestedAt` of the same value, asks helm-controller for one upgrade even
    /// when neither the chart nor the values changed.
    static let forceAt = "reconcile.fluxcd.io/forceAt"

    func isResumed(commit: PushedCommit?) async throws -> Bool {
        let kustomization = try await kube.get(.kustomizations, gitops.kustomization.name, namespace: gitops.kustomization.namespace)
        let object = try await kube.get(.helmReleases, release.name, namespace: release.namespace)
        return try await reconciler.isApplied(kustomization, commit: commit, requestedAt: nil) && Self.isReleased(object, requestedAt: nil)
    }

    /// The values reach the HelmRelease when the Kustomization applies the commit;
    /// whether helm-controller released them since does not matter to the revert.
    func mayHaveApplied(_ commit: String) async throws -> Bool {
        let object = try await kube.get(.kustomizations, gitops.kustomization.name, namespace: gitops.kustomization.namespace)
        return FluxReconciler.revision(object["status"]["lastAppliedRevision"].stringValue ?? "", matches: commit)
    }

    /// Answered `requestedAt` (when given) for the current generation, Ready, and its
    /// newest release deployed: helm-controller has released what the spec now says.
    static func isReleased(_ object: JSON, requestedAt: String?) -> Bool {
        let status = object["status"]
        if object["spec"]["suspend"].boolValue == true { return false }
        if let requestedAt, status["lastHandledReconcileAt"].stringValue != requestedAt { return false }
        guard status["observedGeneration"] == object["metadata"]["generation"] else { return false }
        guard status["history"].arrayValue?.first?["status"].stringValue == "deployed" else { return false }
        return FluxReconciler.condition(object, "Ready")?["status"].stringValue == "True"
    }

    func describePause() -> [String] { flux.describePause() }

    func describeResume() -> [String] {
        let kustomization = gitops.kustomization
        return [
            "flux reconcile source git \(gitops.gitRepository.name) -n \(gitops.gitRepository.namespace)",
            "flux reconcile kustomization \(kustomization.name) -n \(kustomization.namespace)",
            "wait until its status.lastAppliedRevision is the pushed commit and Ready=True",
            "flux resume helmrelease \(release.name) -n \(release.namespace)",
            "flux reconcile helmrelease \(release.name) -n \(release.namespace) --force",
            "wait until the HelmRelease has answered the request, Ready=True, status.history[0].status deployed",
        ]
    }

    func preflight(facts: PreflightFacts) async -> [PreflightResult] {
        let checks = FluxObjectChecks(kube: kube)
        async let kustomization = checks.check(.kustomizations, gitops.kustomization, flux: "kustomization", field: "gitops.kustomization")
        async let source = checks.check(.gitRepositories, gitops.gitRepository, flux: "source git", field: "gitops.gitRepository")
        async let helmRelease = checks.check(.helmReleases, release, flux: "helmrelease", field: "gitops.helmRelease")
        async let owner = ownership(facts)
        async let applier = appliedBy()
        async let pin = pinKept(facts)
        return await [kustomization, source, helmRelease] + [owner, applier, pin].compactMap { $0 }
    }

    /// A release that pins the workload to a node, with no edit of the values that
    /// moves the pin: the upgrade would bring it back where it was, after the move.
    /// `ferry plan` says so when no value holds the pin; this keeps the run from going on.
    private func pinKept(_ facts: PreflightFacts) async -> PreflightResult? {
        guard case .success(let workload) = await facts.workload(),
            let pinned = workload["spec"]["template"]["spec"]["nodeSelector"]["kubernetes.io/hostname"].stringValue,
            pinned != plan.target.node
        else { return nil }
        let moved = plan.manifestChanges.contains { change in
            switch change.edit {
            // Any value set but a CronJob's pin: discovery sets values for the hostname only.
            case .set(let value): !change.path.starts(with: ["spec", "jobTemplate"]) && value != pinned
            case .replace(let from, _): change.path.first == "data" && from == pinned
            case .remove: change.path.last == "kubernetes.io/hostname"
            }
        }
        guard !moved else { return nil }
        return .fail("helm values", "HelmRelease \(release) renders \(plan.workload.kind.rawValue) \(plan.workload.name) with nodeSelector "
                         + "kubernetes.io/hostname=\(pinned), and no edit in the plan changes the value it comes from: "
                         + "after the move, the release would pin it to \(pinned) again",
                     fix: "add the value the chart reads for its node selector to the HelmRelease's spec.values in Git, commit, "
                         + "and run ferry plan again (it then writes the edit)")
    }

    /// The workload is rendered by the plan's HelmRelease: suspending another one
    /// would leave this one free to undo the move.
    private func ownership(_ facts: PreflightFacts) async -> PreflightResult? {
        guard case .success(let workload) = await facts.workload() else { return nil }
        let what = "\(plan.workload.kind.rawValue) \(plan.workload.name)"
        guard let owner = FluxObjectChecks.helmRelease(of: workload) else {
            return .warn("flux owner", "\(what) carries neither \(FluxObjectChecks.helmName) nor \(FluxObjectChecks.helmReleaseName): "
                             + "HelmRelease \(release) may not render it, so the values ferry edits may not reach it",
                         fix: "check that HelmRelease \(release) renders \(what) (helm get manifest \(release.name) -n \(release.namespace))")
        }
        guard owner == release else {
            return .fail("flux owner", "\(what) is rendered by HelmRelease \(owner), not \(release)",
                         fix: "set gitops.helmRelease: \(owner)")
        }
        return nil
    }

    /// The HelmRelease is applied by the plan's Kustomization: the values ferry
    /// commits reach it only through that one.
    private func appliedBy() async -> PreflightResult? {
        guard let object = try? await kube.get(.helmReleases, release.name, namespace: release.namespace) else { return nil }
        guard let kustomization = FluxObjectChecks.kustomization(of: object) else {
            return .warn("flux applier", "HelmRelease \(release) carries no \(FluxObjectChecks.kustomizeName) label: "
                             + "no Kustomization may apply it, so the values ferry commits may never reach it",
                         fix: "check that \(gitops.kustomization) applies the file that defines HelmRelease \(release)")
        }
        guard kustomization == gitops.kustomization else {
            return .fail("flux applier", "HelmRelease \(release) is applied by Kustomization \(kustomization), not \(gitops.kustomization)",
                         fix: "set gitops.kustomization: \(kustomization)")
        }
        return nil
    }
}
