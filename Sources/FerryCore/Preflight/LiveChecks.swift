import FerryJSON
import FerryKube

/// The plan's live edits, for a workload without GitOps, made in memory on the objects
/// as they are now: an object that is gone or a text to replace that is no longer
/// there is found before the workload goes down, not after.
struct LiveChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    var name: String { "live objects" }
    var waitsFor: String { "the Kubernetes API" }

    func run() async -> [PreflightResult] {
        guard plan.gitops == nil, !plan.liveChanges.isEmpty else { return [] }
        let namespace = plan.workload.namespace
        var results: [PreflightResult] = []
        var objects: [MigrationPlan.LiveObject: JSON] = [:]
        for (index, change) in plan.liveChanges.enumerated() {
            let check = "live edit \(index + 1) (\(change.object))"
            if objects[change.object] == nil {
                do {
                    guard let found = try await kube.find(change.object.kind.resourceType, change.object.name, namespace: namespace) else {
                        results.append(.fail(check, "\(change.object) does not exist in namespace \(namespace)",
                                             fix: "fix liveChanges[\(index)].object, or run ferry plan again"))
                        continue
                    }
                    objects[change.object] = found
                } catch {
                    results.append(.fail(check, "cannot read \(change.object) in namespace \(namespace): \(error)",
                                         fix: "check that ferry's credentials may get and update it, then run ferry check again"))
                    continue
                }
            }
            if case .replace(let from, _) = change.edit,
                LiveEdit.value(at: change.path, in: objects[change.object]!)?.stringValue?.contains(from) != true {
                results.append(.fail(check, "\(change.path.joined(separator: ".")) of \(change.object) does not contain \(from)",
                                     fix: "fix liveChanges[\(index)], or run ferry plan again"))
            }
        }
        if results.isEmpty {
            let count = Set(plan.liveChanges.map(\.object)).count
            results.append(.pass("live objects", "the \(plan.liveChanges.count) live edits apply to \(count) object\(count == 1 ? "" : "s") in namespace \(namespace)"))
        }
        return results
    }
}
