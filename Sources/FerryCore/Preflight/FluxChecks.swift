import FerryJSON
import FerryKube

/// The Flux objects the run suspends, resumes and reconciles are there, not
/// suspended, and Ready: a Kustomization that already fails would fail the deploy
/// phase for a reason that has nothing to do with the move, after the workload went down.
struct FluxChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    let facts: PreflightFacts
    var name: String { "flux" }
    var waitsFor: String { "the Kubernetes API (Flux objects)" }

    func run() async -> [PreflightResult] {
        guard let gitops = plan.gitops else {
            return [.skip("flux", "the plan has no gitops section: ferry touches no Flux objects")]
        }
        async let kustomization = check(.kustomizations, gitops.kustomization, flux: "kustomization")
        async let source = check(.gitRepositories, gitops.gitRepository, flux: "source git")
        async let owner = ownership(gitops.kustomization)
        async let grain = grain(gitops)
        return await [kustomization, source] + [owner, grain].compactMap { $0 }
    }

    /// A plan that suspends a Kustomization which applies other apps too would freeze
    /// their GitOps for the whole move: said before the run, with the plan's fix.
    private func grain(_ gitops: MigrationPlan.GitOps) async -> PreflightResult? {
        guard gitops.pause == .kustomization,
            let object = try? await kube.get(.kustomizations, gitops.kustomization.name, namespace: gitops.kustomization.namespace),
            let outside = FluxGrain.decide(kustomization: object, ref: gitops.kustomization, namespace: plan.workload.namespace).outside
        else { return nil }
        return .warn("flux pause", outside + ": the plan suspends it (gitops.pause: kustomization), which stops their GitOps for the whole move",
                     fix: "write gitops.pause: objects in the plan: ferry then marks only what it changes, and the other apps keep reconciling")
    }

    private func check(_ type: ResourceType, _ ref: MigrationPlan.ObjectRef, flux: String) async -> PreflightResult {
        let kind = type.kind
        let check = "flux \(kind) \(ref)"
        let object: JSON
        do {
            object = try await kube.get(type, ref.name, namespace: ref.namespace)
        } catch where error.isNotFound {
            let field = type == .kustomizations ? "gitops.kustomization" : "gitops.gitRepository"
            let list = type == .kustomizations ? "flux get kustomizations -A" : "flux get sources git -A"
            return .fail(check, "there is no \(kind) \(ref)", fix: "set \(field) to one of `\(list)`")
        } catch {
            return .fail(check, "cannot read \(kind) \(ref): \(error.description)",
                         fix: "check the cluster connection (kubectl get \(type.resource) -n \(ref.namespace))")
        }
        let resume = "flux resume \(flux) \(ref.name) -n \(ref.namespace)"
        if object["spec"]["suspend"].boolValue == true {
            let annotations = object["metadata"]["annotations"].objectValue ?? [:]
            let why = annotations.first { $0.key.hasSuffix("suspended-by") || $0.key.hasSuffix("suspend-reason") }
                .flatMap { $0.value.stringValue }.map { " (\($0))" } ?? ""
            return .fail(check, "\(kind) \(ref) is suspended\(why): Flux applies nothing until it is resumed",
                         fix: "\(resume), if nobody needs it suspended any more")
        }
        let ready = object["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == "Ready" }
        let message = ready?["message"].stringValue ?? ""
        switch ready?["status"].stringValue {
        case "True":
            return .pass(check, message.isEmpty ? "Ready" : "Ready: \(message)")
        case "False":
            let reason = ready?["reason"].stringValue.map { " (\($0))" } ?? ""
            return .fail(check, "\(kind) \(ref) is not Ready\(reason): \(message)",
                         fix: "fix what the message says (in Git or the cluster), then `flux reconcile \(flux) \(ref.name) -n \(ref.namespace)"
                             + (type == .kustomizations ? " --with-source`" : "`"))
        default:
            return .warn(check, "\(kind) \(ref) has not reported Ready yet",
                         fix: "flux reconcile \(flux) \(ref.name) -n \(ref.namespace), then run ferry check again")
        }
    }

    /// The workload carries Flux's ownership labels: a plan naming another
    /// Kustomization would suspend the wrong one.
    private func ownership(_ ref: MigrationPlan.ObjectRef) async -> PreflightResult? {
        guard case .success(let workload) = await facts.workload() else { return nil }
        let labels = workload["metadata"]["labels"]
        guard let name = labels["kustomize.toolkit.fluxcd.io/name"].stringValue else {
            return .warn("flux owner", "\(plan.workload.kind.rawValue) \(plan.workload.name) carries no kustomize.toolkit.fluxcd.io/name label: "
                             + "Flux may not manage it, so the manifest changes may not reach the cluster",
                         fix: "check that \(ref) applies the files in gitops.files")
        }
        let namespace = labels["kustomize.toolkit.fluxcd.io/namespace"].stringValue ?? ref.namespace
        guard name == ref.name, namespace == ref.namespace else {
            return .fail("flux owner", "\(plan.workload.kind.rawValue) \(plan.workload.name) is applied by Kustomization \(namespace)/\(name), "
                             + "not \(ref)",
                         fix: "set gitops.kustomization: \(namespace)/\(name)")
        }
        return nil
    }
}
