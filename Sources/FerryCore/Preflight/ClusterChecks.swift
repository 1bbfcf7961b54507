import FerryJSON
import FerryKube

/// The target node can take the pod: Ready, not cordoned, no taint the pod does not
/// tolerate, the runtime class handler it asks for, and room for its requests
/// (allocatable minus what the pods already there request), all for the pod as the
/// plan's manifest changes leave it.
struct ClusterChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    let facts: PreflightFacts
    var name: String { "target-node \(plan.target.node)" }
    var waitsFor: String { "the Kubernetes API (node \(plan.target.node) and its pods)" }

    func run() async -> [PreflightResult] {
        let nodeName = plan.target.node
        async let podsOnNode = kube.list(Pod.self, fieldSelector: "spec.nodeName=\(nodeName)")
        let node: Node
        switch await facts.targetNode() {
        case .success(let found): node = found
        case .failure(let failure): return [failure.result(name)]
        }
        let spec: JSON? = if case .success(let workload) = await facts.workload() {
            WorkloadPreview.apply(plan, to: workload)["spec"]["template"]["spec"]
        } else {
            nil
        }
        var results = [state(of: node, for: spec)]
        guard let spec else { return results }
        if let runtime = await runtimeClass(spec, node: node) { results.append(runtime) }
        do {
            results.append(room(on: node, for: spec, alongside: try await podsOnNode))
        } catch {
            results.append(.fail("resources \(nodeName)", "cannot list the pods on \(nodeName): \(error)",
                                 fix: "check the cluster connection (kubectl get pods -A --field-selector spec.nodeName=\(nodeName))"))
        }
        return results
    }

    private func state(of node: Node, for spec: JSON?) -> PreflightResult {
        let nodeName = node.name
        if !node.isReady {
            let message = node.condition("Ready")?["message"].stringValue.map { ": \($0)" } ?? ""
            return .fail(name, "\(nodeName) is not Ready\(message)",
                         fix: "bring the node back: `kubectl describe node \(nodeName)`, and in the VM `systemctl status k3s-agent`")
        }
        if !node.isSchedulable {
            return .fail(name, "\(nodeName) is cordoned (SchedulingDisabled): no new pod can be scheduled on it",
                         fix: "kubectl uncordon \(nodeName)")
        }
        if let spec {
            let blocking = Self.untoleratedTaints(node, spec)
            if !blocking.isEmpty {
                let names = blocking.map { "\($0["key"].stringValue ?? "")\($0["value"].stringValue.map { "=\($0)" } ?? ""):\($0["effect"].stringValue ?? "")" }
                return .fail(name, "\(nodeName) has taints the pod does not tolerate: \(names.joined(separator: ", "))",
                             fix: names.map { "kubectl taint nodes \(nodeName) \($0)-" }.joined(separator: "; ")
                                 + " (or add a toleration to the pod in Git)")
            }
        }
        return .pass(name, "\(nodeName) is Ready and schedulable")
    }

    private func runtimeClass(_ spec: JSON, node: Node) async -> PreflightResult? {
        guard let runtimeClass = spec["runtimeClassName"].stringValue else { return nil }
        let check = "runtime-class \(runtimeClass)"
        let handler: String
        do {
            handler = try await kube.get(RuntimeClass.self, runtimeClass).handler
        } catch {
            return .fail(check, "the pod asks for runtime class \(runtimeClass), which cannot be read: \(error.description)",
                         fix: "add a manifestChanges entry that removes spec.template.spec.runtimeClassName, or create the RuntimeClass")
        }
        if let device = plan.devices.first(where: { $0.runtimeClass == runtimeClass }), !node.runtimeHandlers.contains(handler) {
            return .pass(check, "\(node.name) gets the \(handler) handler with \(device.name) and its runtime; the run waits for it")
        }
        guard node.runtimeHandlers.contains(handler) else {
            return .fail(check, "the pod asks for runtime class \(runtimeClass) (handler \(handler)), which \(node.name) does not have: "
                             + "the pod would fail with FailedCreatePodSandBox",
                         fix: "add to manifestChanges: {file: ..., path: [spec, template, spec, runtimeClassName], remove: true}")
        }
        return .pass(check, "\(node.name) has the \(handler) handler")
    }

    private func room(on node: Node, for spec: JSON, alongside pods: [Pod]) -> PreflightResult {
        let check = "resources \(node.name)"
        let needed = Self.requests(of: spec)
        var used: [String: Double] = [:]
        for pod in pods where pod.phase != "Succeeded" && pod.phase != "Failed" {
            for (resource, amount) in Self.requests(of: pod.json["spec"]) { used[resource, default: 0] += amount }
        }
        var short: [String] = []
        var fits: [String] = []
        // A device plugin's resource for a moved device is advertised once the device
        // is there; the run waits for it.
        let following = Set(plan.devices.compactMap(\.resource))
        for resource in needed.keys.sorted() {
            let amount = needed[resource] ?? 0
            guard amount > 0 else { continue }
            if following.contains(resource) {
                fits.append("\(resource) once the device is there")
                continue
            }
            let allocatable = ResourceQuantity.allocatable(resource, on: node)
            let free = allocatable - (used[resource] ?? 0)
            let text = "\(resource) \(ResourceQuantity.format(amount, resource: resource))"
            if amount > free {
                short.append("\(text) (free \(ResourceQuantity.format(max(free, 0), resource: resource)) of \(ResourceQuantity.format(allocatable, resource: resource)))")
            } else {
                fits.append(text)
            }
        }
        guard short.isEmpty else {
            return .fail(check, "the pod would not fit on \(node.name): it requests " + short.joined(separator: ", "),
                         fix: "free room on \(node.name) (kubectl describe node \(node.name) lists what runs there), "
                             + "or lower the pod's requests with a manifestChanges entry")
        }
        if fits.isEmpty { return .pass(check, "the pod requests no resources") }
        return .pass(check, "\(node.name) has room for the pod's requests (\(fits.joined(separator: ", ")))")
    }

    /// NoSchedule and NoExecute taints that no toleration of `spec` matches (the
    /// cordon taint is left to the cordon check).
    static func untoleratedTaints(_ node: Node, _ spec: JSON) -> [JSON] {
        let tolerations = spec["tolerations"].arrayValue ?? []
        return (node.json["spec"]["taints"].arrayValue ?? []).filter { taint in
            let effect = taint["effect"].stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute",
                taint["key"].stringValue != "node.kubernetes.io/unschedulable"
            else { return false }
            return !tolerations.contains { toleration in
                if let wanted = toleration["effect"].stringValue, !wanted.isEmpty, wanted != effect { return false }
                let key = toleration["key"].stringValue ?? ""
                if toleration["operator"].stringValue == "Exists" { return key.isEmpty || key == taint["key"].stringValue }
                return key == taint["key"].stringValue && (toleration["value"].stringValue ?? "") == (taint["value"].stringValue ?? "")
            }
        }
    }

    /// What a pod spec requests, as the scheduler counts it: the sum over containers,
    /// or the largest init container if more; a limit without a request counts as
    /// the request (always so for extended resources such as `nvidia.com/gpu`).
    static func requests(of spec: JSON) -> [String: Double] {
        func amounts(_ container: JSON) -> [String: Double] {
            var result: [String: Double] = [:]
            for (resource, value) in container["resources"]["limits"].objectValue ?? [:] {
                result[resource] = ResourceQuantity.parse(value)
            }
            for (resource, value) in container["resources"]["requests"].objectValue ?? [:] {
                result[resource] = ResourceQuantity.parse(value)
            }
            return result
        }
        var total: [String: Double] = [:]
        for container in spec["containers"].arrayValue ?? [] {
            for (resource, amount) in amounts(container) { total[resource, default: 0] += amount }
        }
        for container in spec["initContainers"].arrayValue ?? [] {
            for (resource, amount) in amounts(container) { total[resource] = max(total[resource] ?? 0, amount) }
        }
        return total
    }
}
