import FerryJSON
import FerryKube
import Foundation

/// Moves the hardware label: off the source node before the device leaves it (so
/// nothing is scheduled there expecting it), onto the target once the device works
/// in the target VM. A label Node Feature Discovery sets is never written: NFD takes
/// it off the source when the device leaves, and ferry waits until NFD puts it on the
/// target (`awaitNFD`).
struct NodeLabelStep: MigrationStep {
    enum Change: Sendable { case remove, add, awaitNFD }

    let environment: MigrationEnvironment
    let label: MigrationPlan.NodeLabel
    let node: String
    let change: Change

    var id: String { change == .remove ? "unlabel-source" : "label-target" }
    var title: String {
        switch change {
        case .remove: "Remove label \(label.key) from \(node)"
        case .add: "Label \(node) \(label)"
        case .awaitNFD: "Wait for Node Feature Discovery to label \(node) \(label)"
        }
    }
    var phase: MigrationPhase { change == .remove ? .source : .target }
    /// The workload is stopped while the volumes move: a label schedules nothing yet,
    /// and the helper pods are pinned by hostname.
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let value = try await current()
        switch change {
        case .remove: return value == nil ? .done : .pending(reason: "\(node) has \(label.key)=\(value ?? "")")
        case .add, .awaitNFD: return value == label.value ? .done : .pending(reason: "\(node) lacks \(label)")
        }
    }

    func apply(_ context: StepContext) async throws {
        if change == .awaitNFD { return try await awaitNFD(context) }
        if await context.recall("before") == nil { try await context.remember("before", try await current() ?? "") }
        try await set(change == .remove ? nil : label.value)
    }

    var undoes: Bool { change != .awaitNFD }

    func undo(_ context: StepContext) async throws {
        // NFD takes its label off the target itself once the device is gone again.
        guard change != .awaitNFD, let before = await context.recall("before") else { return }
        // "" means the label was absent; a label value can be empty too, but then
        // removing and adding it are the same to every selector ferry moves.
        try await set(before.isEmpty && change == .add ? nil : (before.isEmpty ? label.value : before))
    }

    func describe() -> [String] {
        switch change {
        case .remove: ["kubectl label node \(node) \(label.key)-"]
        case .add: ["kubectl label node \(node) \(label) --overwrite"]
        case .awaitNFD: ["wait until kubectl get node \(node) -L \(label.key) shows \(label.value) (Node Feature Discovery sets it)"]
        }
    }

    /// nfd-worker looks at the hardware every minute by default (`core.sleepInterval`).
    private func awaitNFD(_ context: StepContext) async throws {
        let timeout = environment.plan.timeouts.podReady
        context.waiting("Node Feature Discovery to label \(node) \(label)")
        do {
            _ = try await environment.kube.waitFor(.nodes, node, timeout: timeout.duration, waitingFor: "\(label) on \(node)") { object in
                object.map { Node(json: $0).labels[label.key] == label.value } ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "Node Feature Discovery did not label \(node) \(label) within \(timeout), though the device is in its VM",
                fix: "check NFD's worker on \(node) (kubectl -n node-feature-discovery logs -l app.kubernetes.io/name=node-feature-discovery) "
                    + "and its NodeFeatureRules (kubectl get nodefeaturerules), then `ferry resume`")
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
