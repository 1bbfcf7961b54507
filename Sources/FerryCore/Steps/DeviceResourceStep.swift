import FerryJSON
import FerryKube
import Foundation

/// Waits until the target node advertises the resource a device plugin serves for
/// the moved device (`coral.ai/tpu` in its allocatable): the pods request it, so
/// until then they would stay Pending. The plugin, not ferry, writes it.
struct DeviceResourceStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device
    let resource: String

    var id: String { "await-resource-\(device.name)" }
    var title: String { "Wait for \(environment.plan.target.node) to advertise \(resource)" }
    var phase: MigrationPhase { .target }
    var alongside: Set<StepLane> { [.volumes] }

    private var node: String { environment.plan.target.node }

    func inspect(_ context: StepContext) async throws -> StepState {
        let amount = try await advertised()
        return amount > 0 ? .done : .pending(reason: "\(node) advertises no \(resource)")
    }

    func apply(_ context: StepContext) async throws {
        let timeout = environment.plan.timeouts.nodeReady
        context.waiting("\(node) to advertise \(resource)")
        do {
            _ = try await environment.kube.waitFor(.nodes, node, timeout: timeout.duration, waitingFor: "\(resource) on \(node)") { object in
                object.map { ResourceQuantity.allocatable(resource, on: Node(json: $0)) > 0 } ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "\(node) did not advertise \(resource) within \(timeout), though \(device.name) is in its VM",
                fix: "check the device plugin's pod on \(node) (kubectl get pods -A -o wide --field-selector spec.nodeName=\(node)) "
                    + "and that it sees the device, then `ferry resume`")
        }
    }

    /// The plugin stops advertising on the target when the device leaves it; the
    /// rollback's last step waits for the workload Ready on the source, which needs
    /// the source's plugin to advertise it again.
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        ["wait until kubectl get node \(node) -o jsonpath='{.status.allocatable.\(resource.replacingOccurrences(of: ".", with: "\\."))}' is 1 or more"]
    }

    private func advertised() async throws -> Double {
        ResourceQuantity.allocatable(resource, on: Node(json: try await environment.kube.get(.nodes, node)))
    }
}
