import FerryJSON
import FerryKube

/// A Flux Kustomization applying the workload's manifests as Git has them: paused at
/// the plan's grain (`FluxPause`), resumed and waited for by `FluxReconciler`.
struct FluxKustomizationController: GitOpsController {
    let plan: MigrationPlan
    let kube: KubeClient
    let gitops: MigrationPlan.GitOps

    var kustomization: MigrationPlan.ObjectRef { gitops.kustomization }
    var flux: FluxPause { FluxPause(plan: plan, kube: kube, gitops: gitops) }
    var reconciler: FluxReconciler { FluxReconciler(plan: plan, kube: kube, kustomization: kustomization) }

    var pauseTitle: String { flux.summary }
    var resumeTitle: String {
        gitops.pause == .kustomization
            ? "Resume Flux Kustomization \(kustomization) and reconcile" : "Unmark the objects and reconcile Flux Kustomization \(kustomization)"
    }
    var notPausedReason: String {
        gitops.pause == .kustomization ? "\(kustomization) is not suspended" : "not every object carries \(FluxPause.reconcileAnnotation): disabled"
    }

    var notResumedReason: String { "\(kustomization) is paused or has not applied the pushed commit" }

    func isPaused() async throws -> Bool { try await flux.isPaused() }
    func pause(_ context: StepContext) async throws { try await flux.pause(context) }
    func resume(_ context: StepContext, commit: PushedCommit?) async throws { try await reconciler.resume(context, commit: commit) }

    func isResumed(commit: PushedCommit?) async throws -> Bool {
        let object = try await kube.get(.kustomizations, kustomization.name, namespace: kustomization.namespace)
        let marked = try await flux.isMarked()
        return try await reconciler.isApplied(object, commit: commit, requestedAt: nil) && !marked
    }

    /// A suspended Kustomization has applied a commit only if it says so. One paused at
    /// the objects' grain kept reconciling, may have applied the revert to everything
    /// but the marked objects already, and says nothing of those: they need it in any case.
    func mayHaveApplied(_ commit: String) async throws -> Bool {
        guard gitops.pause == .kustomization else { return true }
        let object = try await kube.get(.kustomizations, kustomization.name, namespace: kustomization.namespace)
        return FluxReconciler.revision(object["status"]["lastAppliedRevision"].stringValue ?? "", matches: commit)
    }

    func describePause() -> [String] { flux.describePause() }

    func describeResume() -> [String] {
        var lines = flux.describeUnmark()
        if gitops.pause == .kustomization { lines.append("flux resume kustomization \(kustomization.name) -n \(kustomization.namespace)") }
        lines.append("flux reconcile source git \(gitops.gitRepository.name) -n \(gitops.gitRepository.namespace)")
        lines.append("flux reconcile kustomization \(kustomization.name) -n \(kustomization.namespace)")
        lines.append("wait until status.lastAppliedRevision is the pushed commit and Ready=True")
        return lines
    }

    func preflight(facts: PreflightFacts) async -> [PreflightResult] {
        let checks = FluxObjectChecks(kube: kube)
        async let kustomization = checks.check(.kustomizations, gitops.kustomization, flux: "kustomization", field: "gitops.kustomization")
        async let source = checks.check(.gitRepositories, gitops.gitRepository, flux: "source git", field: "gitops.gitRepository")
        async let owner = ownership(facts)
        async let grain = grain()
        return await [kustomization, source] + [owner, grain].compactMap { $0 }
    }

    /// A plan that suspends a Kustomization which applies other apps too would freeze
    /// their GitOps for the whole move: said before the run, with the plan's fix.
    private func grain() async -> PreflightResult? {
        guard gitops.pause == .kustomization,
            let object = try? await kube.get(.kustomizations, kustomization.name, namespace: kustomization.namespace),
            let outside = FluxGrain.decide(kustomization: object, ref: kustomization, namespace: plan.workload.namespace).outside
        else { return nil }
        return .warn("flux pause", outside + ": the plan suspends it (gitops.pause: kustomization), which stops their GitOps for the whole move",
                     fix: "write gitops.pause: objects in the plan: ferry then marks only what it changes, and the other apps keep reconciling")
    }

    /// The workload carries Flux's ownership labels: a plan naming another
    /// Kustomization would suspend the wrong one.
    private func ownership(_ facts: PreflightFacts) async -> PreflightResult? {
        guard case .success(let workload) = await facts.workload() else { return nil }
        let what = "\(plan.workload.kind.rawValue) \(plan.workload.name)"
        if let release = FluxObjectChecks.helmRelease(of: workload) {
            return .fail("flux owner", "\(what) is rendered by Flux HelmRelease \(release), but the plan names no HelmRelease: "
                             + "ferry would edit manifests helm-controller does not read, and leave it free to undo the move",
                         fix: "run `ferry plan` again, or write controller: flux-helmrelease and helmRelease: \(release) under gitops")
        }
        let labels = workload["metadata"]["labels"]
        guard let name = labels[FluxObjectChecks.kustomizeName].stringValue else {
            return .warn("flux owner", "\(what) carries no \(FluxObjectChecks.kustomizeName) label: "
                             + "Flux may not manage it, so the manifest changes may not reach the cluster",
                         fix: "check that \(kustomization) applies the files in gitops.files")
        }
        let namespace = labels[FluxObjectChecks.kustomizeNamespace].stringValue ?? kustomization.namespace
        guard name == kustomization.name, namespace == kustomization.namespace else {
            return .fail("flux owner", "\(what) is applied by Kustomization \(namespace)/\(name), not \(kustomization)",
                         fix: "set gitops.kustomization: \(namespace)/\(name)")
        }
        return nil
    }
}
