import FerryJSON
import FerryKube

/// The GitOps controller's objects, as the controller the plan names checks them
/// (`GitOpsController.preflight`).
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
        return await gitops.controller(plan: plan, kube: kube).preflight(facts: facts)
    }
}
