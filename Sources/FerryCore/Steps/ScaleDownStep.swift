import FerryJSON
import FerryKube
import Foundation

/// Scales the workload to zero and waits until its pods are gone, so the device and
/// the ReadWriteOnce volumes are free before anything moves.
///
/// Undo scales back to the replica count it found and waits for the pods to be
/// Ready: the last thing a rollback does is give the workload back.
struct ScaleDownStep: MigrationStep {
    let environment: MigrationEnvironment

    var id: String { "scale-down" }
    var title: String { "Scale \(environment.workload.kind.rawValue) \(environment.workload.namespace)/\(environment.workload.name) to 0" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        let object = try await workloadObject()
        let replicas = object["spec"]["replicas"].intValue ?? 1
        // Terminating pods count, as in apply's wait: until they are gone they hold the
        // device and the volumes (a run killed during that wait finds them here).
        let selector = try await environment.podSelector()
        let pods = try await environment.kube.list(.pods, namespace: environment.workload.namespace, labelSelector: selector).items
        if replicas == 0, pods.isEmpty { return .done }
        return .pending(reason: "\(replicas) replica(s), \(pods.count) pod(s)")
    }

    func apply(_ context: StepContext) async throws {
        if await context.recall("replicas") == nil {
            let replicas = try await workloadObject()["spec"]["replicas"].intValue ?? 1
            try await context.remember("replicas", String(replicas))
        }
        try await Self.scaleToZero(environment, context)
    }

    /// Scales the workload to 0 and waits until its pods are gone: until then they
    /// hold the device and the volumes.
    static func scaleToZero(_ environment: MigrationEnvironment, _ context: StepContext) async throws {
        let workload = environment.workload
        try await environment.kube.scale(environment.workloadType, workload.name, namespace: workload.namespace, replicas: 0)
        let selector = try await environment.podSelector()
        context.waiting("the pods of \(workload.namespace)/\(workload.name) to terminate")
        let timeout = environment.plan.timeouts.podReady
        do {
            _ = try await environment.kube.waitUntil(
                .pods, namespace: workload.namespace, labelSelector: selector, timeout: timeout.duration,
                waitingFor: "the pods of \(workload.name) to terminate"
            ) { pods in pods.isEmpty ? true : nil }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "the pods of \(workload.namespace)/\(workload.name) were still there \(timeout) after scaling to 0",
                fix: "kubectl -n \(workload.namespace) get pods -l \(selector); find what holds them (a finalizer?), then `ferry resume`")
        }
    }

    func undo(_ context: StepContext) async throws {
        guard let text = await context.recall("replicas"), let replicas = Int(text) else { return }
        let workload = environment.workload
        try await environment.kube.scale(environment.workloadType, workload.name, namespace: workload.namespace, replicas: replicas)
        guard replicas > 0 else { return }
        try await PodsReady(environment: environment).wait(context, on: environment.plan.source.node, replicas: replicas)
    }

    func describe() -> [String] {
        let workload = environment.workload
        return ["kubectl -n \(workload.namespace) scale \(workload.kind.rawValue.lowercased()) \(workload.name) --replicas=0",
                "wait until the pods of \(workload.name) are gone"]
    }

    private func workloadObject() async throws -> JSON {
        try await environment.kube.get(environment.workloadType, environment.workload.name, namespace: environment.workload.namespace)
    }
}
