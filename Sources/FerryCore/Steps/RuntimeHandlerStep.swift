import FerryKube
import Foundation

/// Waits until the target node has the handler of the RuntimeClass the pods use
/// for the moved device (`nvidia`): K3s adds NVIDIA's runtimes when it starts with
/// the container toolkit installed, so until then the pods would fail with
/// FailedCreatePodSandBox. K3s, not ferry, writes it.
struct RuntimeHandlerStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device
    let runtimeClass: String

    var id: String { "await-runtime-\(device.name)" }
    var title: String { "Wait for \(node) to run RuntimeClass \(runtimeClass)" }
    var phase: MigrationPhase { .target }
    var alongside: Set<StepLane> { [.volumes] }

    private var node: String { environment.plan.target.node }

    func inspect(_ context: StepContext) async throws -> StepState {
        let handler = try await handler()
        let present = Node(json: try await environment.kube.get(.nodes, node)).runtimeHandlers.contains(handler)
        return present ? .done : .pending(reason: "\(node) has no runtime handler \(handler)")
    }

    func apply(_ context: StepContext) async throws {
        let handler = try await handler()
        let timeout = environment.plan.timeouts.nodeReady
        context.waiting("\(node) to have the \(handler) runtime")
        do {
            _ = try await environment.kube.waitFor(.nodes, node, timeout: timeout.duration, waitingFor: "runtime handler \(handler) on \(node)") { object in
                object.map { Node(json: $0).runtimeHandlers.contains(handler) } ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "\(node) has no runtime handler \(handler) within \(timeout), though \(device.name) is in its VM",
                fix: "K3s looks for container runtimes when it starts: install the runtime (for NVIDIA, nvidia-container-toolkit) in "
                    + "\(environment.plan.target.vm) and run `systemctl restart k3s-agent` there (k3s on a server), then `ferry resume`")
        }
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        ["wait until kubectl get node \(node) -o jsonpath='{.status.runtimeHandlers[*].name}' lists the handler of RuntimeClass \(runtimeClass)"]
    }

    private func handler() async throws -> String {
        guard let object = try await environment.kube.find(.runtimeClasses, runtimeClass) else {
            throw StepFailure("RuntimeClass \(runtimeClass) does not exist", fix: "create it (kubectl get runtimeclass lists those there), then `ferry resume`")
        }
        return RuntimeClass(json: object).handler
    }
}
