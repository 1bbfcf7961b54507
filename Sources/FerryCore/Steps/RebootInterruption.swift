import FerryKube

/// The pods a reboot of a node's VM interrupts (running, or about to), named alike
/// in the plan's comments and in `ferry check`.
struct RebootInterruption: Sendable {
    let node: String
    let pods: [Pod]

    static func read(node: String, kube: KubeClient) async throws -> RebootInterruption {
        let pods = try await kube.list(.pods, fieldSelector: "spec.nodeName=\(node)").items.map(Pod.init(json:))
        return RebootInterruption(node: node, pods: pods.filter { $0.phase == "Running" || $0.phase == "Pending" })
    }

    /// Without the workload's own pods (`NAME-…` in its namespace): the run scales
    /// them down before anything goes down.
    func excluding(_ workload: MigrationPlan.Workload) -> RebootInterruption {
        RebootInterruption(node: node, pods: pods.filter { $0.namespace != workload.namespace || !$0.name.hasPrefix(workload.name + "-") })
    }

    /// "the 2 pod(s) on NODE (ns/a, ns/b)", the first eight by name; nil when none.
    var named: String? {
        guard !pods.isEmpty else { return nil }
        let names = pods.prefix(8).map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")
        let more = pods.count > 8 ? " and \(pods.count - 8) more" : ""
        return "the \(pods.count) pod(s) on \(node) (\(names)\(more))"
    }
}
