import Foundation
import FerryJSON

/// The default scheduler, reduced to the filters a hardware migration meets:
/// cordoned nodes, taints (a NotReady node counts as tainted), nodeSelector and node
/// affinity, RuntimeClass scheduling, resource requests including extended
/// resources such as `nvidia.com/gpu`, and volumes (a missing claim, an unbound
/// immediate claim, a bound PV whose node affinity excludes the node).
///
/// A pod that fits nowhere stays Pending with `PodScheduled=False` and a
/// FailedScheduling event whose message is worded as Kubernetes words it, e.g.
/// `0/3 nodes are available: 1 node(s) had volume node affinity conflict, ...`.
/// For WaitForFirstConsumer claims it picks the node first and lets the provisioner
/// create the volume there, binding the pod once the claim is bound.
struct Scheduler: Controller {
    let store: ObjectStore
    let events: EventRecorder

    init(store: ObjectStore) {
        self.store = store
        self.events = EventRecorder(store: store, component: "default-scheduler")
    }

    func reconcile() async {
        let pending = await store.list(ResourceCatalog.pods).filter {
            ($0["spec"]["nodeName"].stringValue ?? "").isEmpty && !$0.isDeleting
                && ($0["spec"]["schedulerName"].stringValue ?? "default-scheduler") == "default-scheduler"
        }
        guard !pending.isEmpty else { return }
        let nodes = await store.list(ResourceCatalog.nodes)
        let pods = await store.list(ResourceCatalog.pods)
        for pod in pending { await schedule(pod, nodes: nodes, pods: pods) }
    }

    private func schedule(_ pod: JSON, nodes: [JSON], pods: [JSON]) async {
        let volumes: PodVolumes
        do {
            volumes = try await PodVolumes.resolve(pod, store: store)
        } catch {
            await unschedulable(pod, message: "0/\(nodes.count) nodes are available: \(error.description). "
                + "preemption: 0/\(nodes.count) nodes are available: \(nodes.count) Preemption is not helpful for scheduling.")
            return
        }
        let runtimeClass = await runtimeClassSelector(pod)
        var reasons: [String: Int] = [:]
        var feasible: [(node: JSON, load: Int)] = []
        for node in nodes {
            if let reason = filter(pod, on: node, pods: pods, volumes: volumes, runtimeClassSelector: runtimeClass) {
                reasons[reason, default: 0] += 1
            } else {
                feasible.append((node, pods.filter { $0["spec"]["nodeName"].stringValue == node.name }.count))
            }
        }
        guard let chosen = feasible.min(by: { ($0.load, $0.node.name) < ($1.load, $1.node.name) })?.node else {
            // Kubernetes sorts the "COUNT reason" strings themselves.
            let summary = reasons.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
            await unschedulable(pod, message: "0/\(nodes.count) nodes are available: \(summary). "
                + "preemption: 0/\(nodes.count) nodes are available: \(nodes.count) Preemption is not helpful for scheduling.")
            return
        }
        if !volumes.waitingForFirstConsumer.isEmpty {
            for claim in volumes.waitingForFirstConsumer where claim.annotations["volume.kubernetes.io/selected-node"] == nil {
                await store.modify(ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: claim.namespace, name: claim.name)) {
                    $0.annotations["volume.kubernetes.io/selected-node"] = chosen.name
                }
            }
            return  // bind once the provisioner has bound the claims on the chosen node
        }
        let key = ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name)
        let now = Timestamp.string(Date())
        await store.modify(key) { $0[path: ["spec", "nodeName"]] = .string(chosen.name) }
        await store.modify(key, subresource: "status") {
            $0.setCondition("PodScheduled", status: true, reason: "", message: "", now: now)
            $0[path: ["status", "conditions"]] = .array(($0["status"]["conditions"].arrayValue ?? []).map { c in
                var c = c
                if c["type"].stringValue == "PodScheduled" { c.removeValue(forKey: "reason"); c.removeValue(forKey: "message") }
                return c
            })
        }
        await events.record(
            pod, kind: ResourceCatalog.pods, reason: "Scheduled",
            message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(chosen.name)")
    }

    private func unschedulable(_ pod: JSON, message: String) async {
        let key = ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name)
        let previous = pod.condition("PodScheduled")?["message"].stringValue
        await store.modify(key, subresource: "status") {
            $0.setCondition("PodScheduled", status: false, reason: "Unschedulable", message: message, now: Timestamp.string(Date()))
        }
        if previous != message {
            await events.record(pod, kind: ResourceCatalog.pods, type: "Warning", reason: "FailedScheduling", message: message)
        }
    }

    /// The first filter that rejects `node`, worded as the scheduler's plugins report it.
    private func filter(_ pod: JSON, on node: JSON, pods: [JSON], volumes: PodVolumes, runtimeClassSelector: [String: String])
        -> String?
    {
        let tolerations = pod["spec"]["tolerations"].arrayValue ?? []
        if node["spec"]["unschedulable"].boolValue == true,
            !Taints.tolerated(["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"], by: tolerations)
        {
            return "node(s) were unschedulable"
        }
        var taints = node["spec"]["taints"].arrayValue ?? []
        if node.condition("Ready")?["status"].stringValue != "True",
            !taints.contains(where: { $0["key"].stringValue == "node.kubernetes.io/not-ready" })
        {
            taints.append(["key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"])
        }
        for taint in taints where ["NoSchedule", "NoExecute"].contains(taint["effect"].stringValue ?? "") {
            if !Taints.tolerated(taint, by: tolerations) {
                return "node(s) had untolerated taint {\(taint["key"].stringValue ?? ""): \(taint["value"].stringValue ?? "")}"
            }
        }
        let labels = node.labels
        let selector = (pod["spec"]["nodeSelector"].objectValue ?? [:]).compactMapValues(\.stringValue)
            .merging(runtimeClassSelector) { a, _ in a }
        let affinity = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        let affinityMatches = affinity == .null
            || ((try? NodeSelector(json: affinity))?.matches(labels: labels, nodeName: node.name) ?? false)
        if !selector.allSatisfy({ labels[$0.key] == $0.value }) || !affinityMatches {
            return "node(s) didn't match Pod's node affinity/selector"
        }
        if let insufficient = Resources.insufficient(pod, on: node, pods: pods) { return insufficient }
        for pv in volumes.boundVolumes {
            let nodeAffinity = pv["spec"]["nodeAffinity"]["required"]
            guard nodeAffinity != .null else { continue }
            let matches = (try? NodeSelector(json: nodeAffinity))?.matches(labels: labels, nodeName: node.name) ?? false
            if !matches { return "node(s) had volume node affinity conflict" }
        }
        return nil
    }

    private func runtimeClassSelector(_ pod: JSON) async -> [String: String] {
        guard let name = pod["spec"]["runtimeClassName"].stringValue,
            let runtimeClass = await store.find(ObjectKey(ResourceCatalog.runtimeClasses, name: name))
        else { return [:] }
        return (runtimeClass["scheduling"]["nodeSelector"].objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}

/// Taint and toleration matching (`operator` Equal or Exists, empty effect matches all).
enum Taints {
    static func tolerated(_ taint: JSON, by tolerations: [JSON]) -> Bool {
        tolerations.contains { t in
            let effect = t["effect"].stringValue ?? ""
            if !effect.isEmpty, effect != taint["effect"].stringValue { return false }
            let key = t["key"].stringValue ?? ""
            if (t["operator"].stringValue ?? "Equal") == "Exists" {
                return key.isEmpty || key == taint["key"].stringValue
            }
            return key == taint["key"].stringValue && (t["value"].stringValue ?? "") == (taint["value"].stringValue ?? "")
        }
    }
}

/// Requests against allocatable, as the NodeResourcesFit plugin checks them.
enum Resources {
    /// Requests of one pod; for extended resources the limit stands in for the request.
    static func requests(_ pod: JSON) -> [String: Double] {
        var total: [String: Double] = [:]
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            var requests = container["resources"]["requests"].objectValue ?? [:]
            for (name, value) in container["resources"]["limits"].objectValue ?? [:] where requests[name] == nil {
                if name.contains("/") || name == "cpu" || name == "memory" { requests[name] = value }
            }
            for (name, value) in requests { total[name, default: 0] += Quantity.parse(value) ?? 0 }
        }
        return total
    }

    static func insufficient(_ pod: JSON, on node: JSON, pods: [JSON]) -> String? {
        let wanted = requests(pod)
        let allocatable = node["status"]["allocatable"].objectValue ?? [:]
        let running = pods.filter {
            $0["spec"]["nodeName"].stringValue == node.name && !ObjectStore.isTerminated($0) && $0.uid != pod.uid
        }
        if let maxPods = allocatable["pods"].flatMap(Quantity.parse), Double(running.count) + 1 > maxPods {
            return "Too many pods"
        }
        var used: [String: Double] = [:]
        for other in running { used.merge(requests(other), uniquingKeysWith: +) }
        for (name, amount) in wanted.sorted(by: { $0.key < $1.key }) where amount > 0 {
            let available = allocatable[name].flatMap(Quantity.parse) ?? 0
            if used[name, default: 0] + amount > available { return "Insufficient \(name)" }
        }
        return nil
    }
}
