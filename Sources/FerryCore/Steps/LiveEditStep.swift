import FerryJSON
import FerryKube
import Foundation

/// For a workload no GitOps tool applies, what Flux does after the commit: the plan's
/// `liveChanges` made to the objects in the cluster (the node pin, the runtime class,
/// the resources the target lacks), then the workload scaled back to the replicas it
/// had. Nothing else would ever bring it back.
///
/// Undo takes the workload down again (its pods hold the device and the volumes that
/// the steps undone after this one move back) and puts back each edited field as it
/// found it; the scale-down's undo then brings the workload up on the source.
struct LiveEditStep: MigrationStep {
    let environment: MigrationEnvironment

    static let id = "edit-live"
    var id: String { Self.id }
    var title: String {
        let workload = environment.workload
        let scale = "scale \(workload.kind.rawValue) \(workload.namespace)/\(workload.name) back"
        let changes = environment.plan.liveChanges
        guard !changes.isEmpty else { return scale.prefix(1).uppercased() + scale.dropFirst() }
        return "Edit \(Set(changes.map(\.object)).count) live object(s) and \(scale)"
    }
    var phase: MigrationPhase { .deploy }

    private var namespace: String { environment.workload.namespace }

    /// The objects in the order the plan first names them, each with its changes' indexes.
    private var objects: [(object: MigrationPlan.LiveObject, changes: [Int])] {
        var groups: [(object: MigrationPlan.LiveObject, changes: [Int])] = []
        for (index, change) in environment.plan.liveChanges.enumerated() {
            if let group = groups.firstIndex(where: { $0.object == change.object }) {
                groups[group].changes.append(index)
            } else {
                groups.append((change.object, [index]))
            }
        }
        return groups
    }

    func inspect(_ context: StepContext) async throws -> StepState {
        for group in objects {
            let live = try await get(group.object)
            if edited(live, group.changes) != live { return .pending(reason: "\(group.object) is not edited yet") }
        }
        guard let replicas = await replicas(context) else { return .pending(reason: "the workload was never scaled down") }
        let workload = try await environment.kube.get(environment.workloadType, environment.workload.name, namespace: namespace)
        let current = workload["spec"]["replicas"].intValue ?? 1
        return current == replicas ? .done : .pending(reason: "\(current) replica(s), \(replicas) wanted")
    }

    func apply(_ context: StepContext) async throws {
        try await context.remember("started", "true")
        let changes = environment.plan.liveChanges
        for group in objects {
            let live = try await get(group.object)
            for index in group.changes where await context.recall(Self.beforeKey(index)) == nil {
                let path = changes[index].path
                let before = LiveEdit.value(at: path, in: live)?.serialized ?? "\(Self.absent) \(LiveEdit.existingDepth(of: path, in: live))"
                try await context.remember(Self.beforeKey(index), before)
            }
            let edited = edited(live, group.changes)
            if edited != live { try await update(group.object, edited) }
        }
        let workload = environment.workload
        let replicas = await replicas(context) ?? 1
        try await environment.kube.scale(environment.workloadType, workload.name, namespace: namespace, replicas: replicas)
    }

    func undo(_ context: StepContext) async throws {
        guard await context.recall("started") != nil else { return }
        try await ScaleDownStep.scaleToZero(environment, context)
        let changes = environment.plan.liveChanges
        for group in objects.reversed() {
            let live = try await get(group.object)
            var restored = live
            for index in group.changes.reversed() {
                guard let text = await context.recall(Self.beforeKey(index)) else { continue }
                let path = changes[index].path
                if text.hasPrefix(Self.absent) {
                    let depth = Int(text.dropFirst(Self.absent.count + 1)) ?? path.count
                    LiveEdit.restore(nil, at: Array(path.prefix(depth)), in: &restored)
                } else {
                    LiveEdit.restore(try JSON.parse(text), at: path, in: &restored)
                }
            }
            if restored != live { try await update(group.object, restored) }
        }
    }

    func describe() -> [String] {
        let workload = environment.workload
        var lines = environment.plan.liveChanges.map {
            "kubectl -n \(namespace) edit \($0.object.kind.rawValue.lowercased())/\($0.object.name): "
                + EditManifestsStep.describe($0.path, $0.edit)
        }
        lines.append("kubectl -n \(namespace) scale \(workload.kind.rawValue.lowercased()) \(workload.name) --replicas=<as it was>")
        return lines
    }

    /// What a field held before the edit, for undo: its JSON, or this and the depth
    /// of the path's first missing part for a field that was not there (JSON never
    /// starts with a letter a).
    private static let absent = "absent"
    private static func beforeKey(_ index: Int) -> String { "before \(index)" }

    private func replicas(_ context: StepContext) async -> Int? {
        await context.recall("replicas", of: "scale-down").flatMap(Int.init)
    }

    private func edited(_ live: JSON, _ indexes: [Int]) -> JSON {
        var result = live
        for index in indexes {
            let change = environment.plan.liveChanges[index]
            LiveEdit.apply(change.edit, at: change.path, to: &result)
        }
        return result
    }

    private func get(_ object: MigrationPlan.LiveObject) async throws -> JSON {
        try await environment.kube.get(object.kind.resourceType, object.name, namespace: namespace)
    }

    /// A replace with the resourceVersion read: a change someone made meanwhile fails
    /// it with a conflict rather than being overwritten; `ferry resume` reads again.
    private func update(_ object: MigrationPlan.LiveObject, _ json: JSON) async throws {
        do {
            try await environment.kube.update(object.kind.resourceType, json)
        } catch {
            throw StepFailure(
                "could not edit \(object) in namespace \(namespace): \(error)",
                fix: "kubectl -n \(namespace) get \(object.kind.rawValue.lowercased())/\(object.name); then `ferry resume`")
        }
    }
}
