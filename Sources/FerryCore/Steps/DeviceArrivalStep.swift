import FerryJSON
import FerryKube
import Foundation

/// Waits until the target node has what a moved device brings along, which the
/// pods need and which something other than ferry writes once the device and its
/// driver are in the VM: the extended resource its device plugin advertises
/// (`coral.ai/tpu`, `nvidia.com/gpu`: until then the pods stay Pending), or the
/// handler of the RuntimeClass the pods use (`nvidia`: K3s adds NVIDIA's runtimes
/// when it starts with the toolkit installed; until then the pods fail with
/// FailedCreatePodSandBox).
struct DeviceArrivalStep: MigrationStep {
    enum Awaited: Sendable {
        case resource(String)
        case runtimeClass(String)
    }

    let environment: MigrationEnvironment
    let device: MigrationPlan.Device
    let awaited: Awaited

    var id: String {
        switch awaited {
        case .resource: "await-resource-\(device.name)"
        case .runtimeClass: "await-runtime-\(device.name)"
        }
    }

    var title: String {
        switch awaited {
        case .resource(let resource): "Wait for \(node) to advertise \(resource)"
        case .runtimeClass(let runtimeClass): "Wait for \(node) to run RuntimeClass \(runtimeClass)"
        }
    }

    var phase: MigrationPhase { .target }
    var alongside: Set<StepLane> { StepLane.sides }

    private var node: String { environment.plan.target.node }

    func inspect(_ context: StepContext) async throws -> StepState {
        let (what, present) = try await condition()
        return present(try await environment.kube.get(.nodes, node)) ? .done : .pending(reason: "\(node) has no \(what)")
    }

    func apply(_ context: StepContext) async throws {
        let (what, present) = try await condition()
        let timeout = environment.plan.timeouts.nodeReady
        context.waiting("\(node) to have \(what)")
        do {
            _ = try await environment.kube.waitFor(.nodes, node, timeout: timeout.duration, waitingFor: "\(what) on \(node)") { object in
                object.map(present) ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure("\(node) did not get \(what) within \(timeout), though \(device.name) is in its VM", fix: fix)
        }
    }

    /// The plugin stops advertising on the target when the device leaves it; the
    /// rollback's last step waits for the workload Ready on the source, which needs
    /// the source's plugin (and runtime) again.
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        switch awaited {
        case .resource(let resource):
            ["wait until kubectl get node \(node) -o jsonpath='{.status.allocatable.\(resource.replacingOccurrences(of: ".", with: "\\."))}' is 1 or more"]
        case .runtimeClass(let runtimeClass):
            ["wait until kubectl get node \(node) -o jsonpath='{.status.runtimeHandlers[*].name}' lists the handler of RuntimeClass \(runtimeClass)"]
        }
    }

    /// What is waited for, in words, and whether a node object has it.
    private func condition() async throws -> (String, @Sendable (JSON) -> Bool) {
        switch awaited {
        case .resource(let resource):
            return (resource, { ResourceQuantity.allocatable(resource, on: Node(json: $0)) > 0 })
        case .runtimeClass(let runtimeClass):
            guard let object = try await environment.kube.find(.runtimeClasses, runtimeClass) else {
                throw StepFailure("RuntimeClass \(runtimeClass) does not exist", fix: "create it (kubectl get runtimeclass lists those there), then `ferry resume`")
            }
            let handler = RuntimeClass(json: object).handler
            return ("runtime handler \(handler)", { Node(json: $0).runtimeHandlers.contains(handler) })
        }
    }

    private var fix: String {
        switch awaited {
        case .resource:
            "check the device plugin's pod on \(node) (kubectl get pods -A -o wide --field-selector spec.nodeName=\(node)) "
                + "and that it sees the device, then `ferry resume`"
        case .runtimeClass:
            "K3s looks for container runtimes when it starts: install the runtime (for NVIDIA, nvidia-container-toolkit) in "
                + "\(environment.plan.target.vm) and run `systemctl restart k3s-agent` there (k3s on a server), then `ferry resume`"
        }
    }
}
