import FerryJSON
import FerryKube
import Foundation

/// Waits until the workload has `replicas` Ready pods on one node, and when it does
/// not, says why in Kubernetes' own words (the scheduler's or kubelet's last event).
struct PodsReady: Sendable {
    let environment: MigrationEnvironment

    @discardableResult
    func wait(_ context: StepContext, on node: String, replicas: Int = 1) async throws -> [Pod] {
        let workload = environment.workload
        let selector = try await environment.podSelector()
        context.waiting("\(workload.name) to be Ready on \(node)")
        let timeout = environment.plan.timeouts.podReady
        do {
            return try await environment.kube.waitUntil(
                .pods, namespace: workload.namespace, labelSelector: selector, timeout: timeout.duration,
                waitingFor: "\(workload.name) Ready on \(node)"
            ) { objects -> [Pod]? in
                let ready = objects.map(Pod.init(json:)).filter {
                    $0.isReady && $0.nodeName == node && $0.json["metadata"]["deletionTimestamp"].isNull
                }
                return ready.count >= replicas ? ready : nil
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "\(workload.namespace)/\(workload.name) was not Ready on \(node) within \(timeout): \(await reason())",
                fix: "kubectl -n \(workload.namespace) describe pods -l \(selector); fix what it shows, then `ferry resume`")
        }
    }

    /// The newest warning event about the workload's pods, or their phases.
    private func reason() async -> String {
        let namespace = environment.workload.namespace
        guard let pods = try? await environment.pods() else { return "its pods could not be listed" }
        if pods.isEmpty { return "it has no pods" }
        let names = Set(pods.map(\.name))
        let events = (try? await environment.kube.list(.events, namespace: namespace).items) ?? []
        let last = events.filter { names.contains($0["involvedObject"]["name"].stringValue ?? "") && $0["type"].stringValue == "Warning" }
            .max { ($0["lastTimestamp"].stringValue ?? "") < ($1["lastTimestamp"].stringValue ?? "") }
        if let last { return "\(last["reason"].stringValue ?? ""): \(last["message"].stringValue ?? "")" }
        return pods.map { "\($0.name) is \($0.phase) on \($0.nodeName ?? "no node")" }.joined(separator: "; ")
    }
}

/// Whether a wait ended at its deadline. Callers catch everything and rethrow what
/// is not a timeout: a `catch ... where` clause on a typed-throws call crashes the
/// Swift 6.3 compiler (SIL ownership verifier).
func isTimeout(_ error: any Error) -> Bool {
    (error as? KubeClientError)?.code == .timeout
}
