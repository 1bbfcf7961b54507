import FerryJSON
import FerryKube

/// What lives beside the workload and the move touches: CronJobs and Jobs in its
/// namespace, and other workloads on the same claims or hardware. A CronJob the plan
/// does not pause can act in the middle of the move; one that must follow the app
/// but also needs a volume bound to the source node can never run again; a second
/// app on the same Coral crashes when it is moved away from under it.
struct BesideChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    let facts: PreflightFacts
    var name: String { "beside" }
    var waitsFor: String { "the Kubernetes API (CronJobs, Jobs, workloads)" }

    func run() async -> [PreflightResult] {
        guard case .success(let workload) = await facts.workload(), case .success(let target) = await facts.targetNode() else { return [] }
        do {
            let source = try await kube.get(.nodes, plan.source.node)
            let subject = WorkloadTouch.Subject(workload: workload, plan: plan, sourceHostname: Node(json: source).hostnameLabel)
            let moved = Set(plan.volumes.filter { $0.action != .keep }.map(\.claim))
            var results = try await cronJobs(subject, moved: moved, target: target)
            results += try await jobs(subject)
            results += try await otherWorkloads(subject, moved: moved)
            return results.isEmpty ? [.pass("beside", "no CronJob, Job or other workload touches \(plan.workload.name)'s claims, node or hardware")] : results
        } catch {
            return [.warn("beside", "cannot read what runs beside \(plan.workload.name) (\(error)): a CronJob or another app on its "
                              + "claims or hardware would go unnoticed",
                          fix: "check that your credentials may list cronjobs, jobs, deployments and statefulsets (kubectl auth can-i list cronjobs -n \(plan.workload.namespace))")]
        }
    }

    private func cronJobs(_ subject: WorkloadTouch.Subject, moved: Set<String>, target: Node) async throws -> [PreflightResult] {
        var results: [PreflightResult] = []
        let namespace = plan.workload.namespace
        for cronJob in try await kube.list(.cronJobs, namespace: namespace).items {
            let name = cronJob["metadata"]["name"].stringValue ?? ""
            let template = cronJob["spec"]["jobTemplate"]["spec"]["template"]
            let ways = WorkloadTouch.ways(template, touch: subject)
            guard !ways.isEmpty else { continue }
            let check = "cronjob \(name)"
            if let stuck = try await stuckClaim(template, ways: ways, moved: moved, target: target) {
                results.append(.fail(
                    check,
                    "CronJob \(name) \(ways.map(\.description).joined(separator: ", ")), so it must follow \(plan.workload.name) to "
                        + "\(plan.target.node), but it also mounts claim \(stuck.claim), which the plan does not move (\(stuck.reason)): "
                        + "after the move no node can run it",
                    fix: "choose one: add \(stuck.claim) to volumes (action: move) so its data moves too; point the CronJob at storage "
                        + "any node mounts; or delete the CronJob (and its manifest) if it is no longer needed; then ferry check again"))
            } else if plan.cronJobs.contains(where: { $0.name == name }) {
                results.append(.pass(check, "\(ways.map(\.description).joined(separator: ", ")): paused for the move (cronJobs)"))
            } else {
                results.append(.warn(
                    check, "CronJob \(name) \(ways.map(\.description).joined(separator: ", ")), and the plan does not pause it: "
                        + "it can act in the middle of the move",
                    fix: "add it to cronJobs (`- name: \(name)`); `ferry plan` lists every CronJob that touches the workload"))
            }
        }
        return results
    }

    /// A claim the template mounts that stays bound to nodes the target is not, when
    /// the template must follow the workload (its moved claims, its device, its label).
    private func stuckClaim(
        _ template: JSON, ways: [WorkloadTouch], moved: Set<String>, target: Node
    ) async throws -> (claim: String, reason: String)? {
        let follows = ways.contains {
            switch $0.way {
            case .mountsClaim(let claim): moved.contains(claim)
            case .usesDevice, .selectsLabel: true
            case .pinsSource, .namesWorkload: false
            }
        }
        guard follows else { return nil }
        for volume in template["spec"]["volumes"].arrayValue ?? [] {
            guard let claim = volume["persistentVolumeClaim"]["claimName"].stringValue, !moved.contains(claim),
                let pvc = try await kube.find(.persistentVolumeClaims, claim, namespace: plan.workload.namespace),
                let volumeName = PersistentVolumeClaim(json: pvc).volumeName, !volumeName.isEmpty,
                let pv = try await kube.find(.persistentVolumes, volumeName)
            else { continue }
            if case .nodeBound(let reason) = VolumePlacement(pv: PersistentVolume(json: pv), target: target).verdict {
                return (claim, reason)
            }
        }
        return nil
    }

    /// A running Job holds the claims it mounts: the switch would wait for it with the
    /// app down. Jobs of the CronJobs the plan pauses are waited for by that step.
    private func jobs(_ subject: WorkloadTouch.Subject) async throws -> [PreflightResult] {
        var results: [PreflightResult] = []
        let paused = Set(plan.cronJobs.map(\.name))
        for job in try await kube.list(.jobs, namespace: plan.workload.namespace).items {
            let name = job["metadata"]["name"].stringValue ?? ""
            let owner = (job["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["kind"].stringValue == "CronJob" }?["name"].stringValue
            guard (job["status"]["active"].intValue ?? 0) > 0, owner.map({ !paused.contains($0) }) ?? true else { continue }
            let ways = WorkloadTouch.ways(job["spec"]["template"], touch: subject)
            guard !ways.isEmpty else { continue }
            results.append(.fail(
                "job \(name)", "Job \(name) is running and \(ways.map(\.description).joined(separator: ", ")): the move would wait for it, "
                    + "or pull its volume from under it",
                fix: "let it finish (kubectl -n \(plan.workload.namespace) wait --for=condition=complete job/\(name)) or delete it, then ferry check again"))
        }
        return results
    }

    /// Another Deployment or StatefulSet on the same claims or hardware: moving them
    /// from under it crashes it, or it holds what the move needs.
    private func otherWorkloads(_ subject: WorkloadTouch.Subject, moved: Set<String>) async throws -> [PreflightResult] {
        var results: [PreflightResult] = []
        for type in [ResourceType.deployments, .statefulSets] {
            for object in try await kube.list(type).items {
                let namespace = object["metadata"]["namespace"].stringValue ?? ""
                let name = object["metadata"]["name"].stringValue ?? ""
                if type.kind == plan.workload.kind.rawValue && namespace == plan.workload.namespace && name == plan.workload.name { continue }
                if (object["spec"]["replicas"].intValue ?? 1) == 0 { continue }
                let ways = WorkloadTouch.ways(object["spec"]["template"], touch: subject).filter {
                    switch $0.way {
                    case .mountsClaim(let claim): namespace == plan.workload.namespace && moved.contains(claim)
                    case .usesDevice, .selectsLabel: true
                    case .pinsSource, .namesWorkload: false
                    }
                }
                guard !ways.isEmpty else { continue }
                // Hardware is shared only on the same node: a GPU on another host is another GPU.
                let pinnedToSource = WorkloadTouch.ways(object["spec"]["template"], touch: subject).contains {
                    if case .pinsSource = $0.way { return true }
                    if case .selectsLabel = $0.way { return true }
                    return false
                }
                let onSource = pinnedToSource ? true : try await runsOnSource(object, namespace: namespace)
                let claimShared = ways.contains { if case .mountsClaim = $0.way { return true } else { return false } }
                guard claimShared || onSource else { continue }
                results.append(.fail(
                    "\(type.kind.lowercased()) \(namespace)/\(name)",
                    "\(type.kind) \(namespace)/\(name) \(ways.map(\.description).joined(separator: ", ")) on \(plan.source.node): "
                        + "the move takes it from under it, and it crashes or never schedules again",
                    fix: "choose one: move it too, in a migration of its own; scale it to 0 for the move "
                        + "(kubectl -n \(namespace) scale \(type.kind.lowercased()) \(name) --replicas=0); or take the shared claim or device out of it"))
            }
        }
        return results
    }

    private func runsOnSource(_ object: JSON, namespace: String) async throws -> Bool {
        let labels = (object["spec"]["selector"]["matchLabels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        guard !labels.isEmpty else { return false }
        let selector = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let pods = try await kube.list(.pods, namespace: namespace, labelSelector: selector).items.map(Pod.init(json:))
        return pods.contains { $0.nodeName == plan.source.node }
    }
}
