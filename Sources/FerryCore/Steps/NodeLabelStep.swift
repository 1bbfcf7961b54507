import FerryJSON
import FerryKube
import Foundation

/// Moves the hardware label: off the source node before the device leaves it (so
/// nothing is scheduled there expecting it), onto the target once the device works
/// in the target VM.
struct NodeLabelStep: MigrationStep {
    enum Change: Sendable { case remove, add }

    let environment: MigrationEnvironment
    let label: MigrationPlan.NodeLabel
    let node: String
    let change: Change

    var id: String { change == .remove ? "unlabel-source" : "label-target" }
    var title: String { change == .remove ? "Remove label \(label.key) from \(node)" : "Label \(node) \(label)" }
    var phase: MigrationPhase { change == .remove ? .source : .target }
    /// The workload is stopped while the volumes move: a label schedules nothing yet,
    /// and the helper pods are pinned by hostname.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let value = try await current()
        switch change {
        case .remove: return value == nil ? .done : .pending(reason: "\(node) has \(label.key)=\(value ?? "")")
        case .add: return value == label.value ? .done : .pending(reason: "\(node) lacks \(label)")
        }
    }

    func apply(_ context: StepContext) async throws {
        if await context.recall("before") == nil { try await context.remember("before", try await current() ?? "") }
        try await set(change == .remove ? nil : label.value)
    }

    func undo(_ context: StepContext) async throws {
        guard let before = await context.recall("before") else { return }
        // "" means the label was absent; a label value can be empty too, but then
        // removing and adding it are the same to every selector ferry moves.
        try await set(before.isEmpty && change == .add ? nil : (before.isEmpty ? label.value : before))
    }

    func describe() -> [String] {
        switch change {
        case .remove: ["kubectl label node \(node) \(label.key)-"]
        case .add: ["kubectl label node \(node) \(label) --overwrite"]
        }
    }

    private func current() async throws -> String? {
        Node(json: try await environment.kube.get(.nodes, node)).labels[label.key]
    }

    private func set(_ value: String?) async throws {
        var patch = JSON.object([:])
        patch[path: ["metadata", "labels", label.key]] = .some(value.map(JSON.string) ?? JSON.null)
        try await environment.kube.patch(.nodes, node, patch)
    }
}
