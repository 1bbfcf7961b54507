import FerryJSON
import FerryKube

/// The workload as the cluster has it, and the pods of it that run on a node.
struct WorkloadFacts: Sendable {
    var kind: MigrationPlan.Workload.Kind
    var object: JSON
    /// Pods that belong to the workload, are not terminating and have a node.
    var pods: [Pod]

    var namespace: String { object["metadata"]["namespace"].stringValue ?? "" }
    var name: String { object["metadata"]["name"].stringValue ?? "" }
    var reference: String { "\(namespace)/\(name)" }
    var podTemplate: JSON { object["spec"]["template"] }
    var labels: [String: String] { (object["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue) }
    /// `deployment/frigate`, as kubectl takes it.
    var kubectlName: String { "\(kind.rawValue.lowercased())/\(name)" }
}

extension PlanDiscovery {
    /// The Deployment, else the StatefulSet, of that name, with its running pods.
    func findWorkload(namespace: String, name: String) async throws -> WorkloadFacts {
        var found: (MigrationPlan.Workload.Kind, JSON)?
        for (kind, type) in [(MigrationPlan.Workload.Kind.deployment, ResourceType.deployments), (.statefulSet, .statefulSets)] {
            if let object = try await reading("\(kind.rawValue) \(namespace)/\(name)", { try await kube.find(type, name, namespace: namespace) }) {
                found = (kind, object)
                break
            }
        }
        guard let (kind, object) = found else {
            let namespaceExists = try await reading("namespace \(namespace)") { try await kube.find(.namespaces, namespace) } != nil
            let problem = namespaceExists
                ? "there is no Deployment or StatefulSet named \(name) in namespace \(namespace)"
                : "there is no namespace \(namespace) in the cluster"
            throw DiscoveryError(
                .workloadNotFound,
                "\(problem): check the workload with `kubectl get deployments,statefulsets -A`, and give it as NAMESPACE/NAME")
        }
        var workload = WorkloadFacts(kind: kind, object: object, pods: [])
        workload.pods = try await ownPods(of: workload)
        return workload
    }

    /// The pods the workload's controller owns (through its ReplicaSets for a
    /// Deployment), by the workload's selector, that are placed on a node and not going away.
    private func ownPods(of workload: WorkloadFacts) async throws -> [Pod] {
        let matchLabels = (workload.object["spec"]["selector"]["matchLabels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        let selector = matchLabels.keys.sorted().map { "\($0)=\(matchLabels[$0]!)" }.joined(separator: ",")
        let pods = try await reading("the pods of \(workload.kind.rawValue) \(workload.reference)") {
            try await kube.list(Pod.self, namespace: workload.namespace, labelSelector: selector.isEmpty ? nil : selector)
        }
        var owners: Set<String> = [workload.object["metadata"]["uid"].stringValue ?? ""]
        if workload.kind == .deployment {
            let replicaSets = try await reading("the ReplicaSets of Deployment \(workload.reference)") {
                try await kube.list(.replicaSets, namespace: workload.namespace, labelSelector: selector.isEmpty ? nil : selector).items
            }
            owners = Set(replicaSets.filter { Self.controllerUID(of: $0).map(owners.contains) ?? false }.compactMap { $0["metadata"]["uid"].stringValue })
        }
        return pods.filter { pod in
            guard let owner = Self.controllerUID(of: pod.json), owners.contains(owner) else { return false }
            return !pod.isDeleting && pod.nodeName != nil && !["Succeeded", "Failed"].contains(pod.phase)
        }
    }

    static func controllerUID(of object: JSON) -> String? {
        (object["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["controller"].boolValue == true }?["uid"].stringValue
    }

    /// The node the workload runs on, and what that is based on: its pods, or, when
    /// none runs, the `kubernetes.io/hostname` its nodeSelector pins it to.
    func sourceNode(of workload: WorkloadFacts, nodes: [Node]) throws -> (Node, String) {
        let byNode = Dictionary(grouping: workload.pods, by: { $0.nodeName ?? "" })
        if byNode.count > 1 {
            let where_ = byNode.keys.sorted().map { "\($0): \(byNode[$0]!.map(\.name).sorted().joined(separator: ", "))" }
            throw DiscoveryError(
                .notScheduled,
                "the pods of \(workload.kind.rawValue) \(workload.reference) run on several nodes (\(where_.joined(separator: "; "))): "
                    + "ferry moves a workload from one node; pin it to one node first")
        }
        if let (nodeName, pods) = byNode.first {
            guard let node = nodes.first(where: { $0.name == nodeName }) else {
                throw DiscoveryError(.notScheduled, "pod \(pods[0].name) runs on node \(nodeName), which the cluster does not list: try again in a moment")
            }
            let names = pods.map(\.name).sorted().joined(separator: ", ")
            return (node, "runs on \(nodeName): pod\(pods.count > 1 ? "s" : "") \(names)")
        }
        let replicas = workload.object["spec"]["replicas"].intValue ?? 1
        if let pinned = workload.podTemplate["spec"]["nodeSelector"]["kubernetes.io/hostname"].stringValue,
            let node = nodes.first(where: { $0.hostnameLabel == pinned })
        {
            return (node, "no pod runs (replicas: \(replicas)); the nodeSelector pins it to kubernetes.io/hostname=\(pinned), node \(node.name)")
        }
        throw DiscoveryError(
            .notScheduled,
            "\(workload.kind.rawValue) \(workload.reference) has no pod on a node (replicas: \(replicas)), and no "
                + "kubernetes.io/hostname nodeSelector says where it belongs: scale it up "
                + "(`kubectl scale -n \(workload.namespace) \(workload.kubectlName) --replicas=1`), wait for its pod to run, and run ferry plan again")
    }

    /// The `--to` node: it must exist and differ from the source.
    func targetNode(_ name: String, source: Node, workload: WorkloadFacts, nodes: [Node]) throws -> Node {
        let others = nodes.map(\.name).filter { $0 != source.name }.sorted()
        if name == source.name {
            throw DiscoveryError(
                .badTarget,
                "\(workload.kind.rawValue) \(workload.reference) already runs on \(name): give --to another node"
                    + (others.isEmpty ? "" : " (\(others.joined(separator: ", ")))"))
        }
        guard let node = nodes.first(where: { $0.name == name }) else {
            let hint = PlanValidation.suggestion(for: name, among: nodes.map(\.name)).map { "did you mean \($0)? " } ?? ""
            throw DiscoveryError(
                .badTarget,
                "there is no node named \(name) in the cluster: \(hint)the nodes are \(nodes.map(\.name).sorted().joined(separator: ", ")) (`kubectl get nodes`)")
        }
        return node
    }
}
