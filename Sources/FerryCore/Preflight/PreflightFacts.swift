import FerryJSON
import FerryKube

/// What several checks read from the cluster, fetched once however many ask: the
/// workload (for its pod template) and the target node. Concurrent checks await the
/// same request instead of sending their own, which keeps `ferry check` to a few
/// round trips on a slow link.
actor PreflightFacts {
    let plan: MigrationPlan
    let kube: KubeClient
    private var workloadTask: Task<Result<JSON, PreflightFailure>, Never>?
    private var targetNodeTask: Task<Result<Node, PreflightFailure>, Never>?

    init(plan: MigrationPlan, kube: KubeClient) {
        self.plan = plan
        self.kube = kube
    }

    /// The Deployment or StatefulSet the plan names.
    func workload() async -> Result<JSON, PreflightFailure> {
        if let workloadTask { return await workloadTask.value }
        let plan = plan
        let kube = kube
        let task = Task<Result<JSON, PreflightFailure>, Never> {
            let workload = plan.workload
            let type: ResourceType = workload.kind == .deployment ? .deployments : .statefulSets
            do throws(KubeClientError) {
                return .success(try await kube.get(type, workload.name, namespace: workload.namespace))
            } catch where error.isNotFound {
                return .failure(PreflightFailure(
                    "\(workload.kind.rawValue) \(workload.namespace)/\(workload.name) does not exist",
                    fix: "fix workload in the plan (kubectl get \(type.resource) -n \(workload.namespace))"))
            } catch {
                return .failure(PreflightFailure(
                    "cannot read \(workload.kind.rawValue) \(workload.namespace)/\(workload.name): \(error.description)",
                    fix: "check the cluster connection (kubectl get \(type.resource) -n \(workload.namespace))"))
            }
        }
        workloadTask = task
        return await task.value
    }

    /// The workload's pod template spec (`spec.template.spec`).
    func podSpec() async -> Result<JSON, PreflightFailure> {
        await workload().map { $0["spec"]["template"]["spec"] }
    }

    func targetNode() async -> Result<Node, PreflightFailure> {
        if let targetNodeTask { return await targetNodeTask.value }
        let name = plan.target.node
        let kube = kube
        let task = Task<Result<Node, PreflightFailure>, Never> {
            do throws(KubeClientError) {
                return .success(try await kube.get(Node.self, name))
            } catch where error.isNotFound {
                return .failure(PreflightFailure(
                    "there is no node \(name) in the cluster", fix: "set target.node to one of `kubectl get nodes`"))
            } catch {
                return .failure(PreflightFailure(
                    "cannot read node \(name): \(error.description)", fix: "check the cluster connection (kubectl get node \(name))"))
            }
        }
        targetNodeTask = task
        return await task.value
    }
}

/// Why a fact a check needs could not be had, and what to do about it.
struct PreflightFailure: Error, Sendable {
    var reason: String
    var fix: String

    init(_ reason: String, fix: String) {
        self.reason = reason
        self.fix = fix
    }

    func result(_ check: String) -> PreflightResult { .fail(check, reason, fix: fix) }
}
