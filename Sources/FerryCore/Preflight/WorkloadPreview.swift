import FerryJSON

/// The workload as it will be after the plan's manifest changes, as far as the
/// pod template goes: the target node must fit the pod that will run there (no GPU
/// limit, no NVIDIA runtime class once the plan removes them), not the one that runs now.
///
/// Only changes under `spec.template` are applied, to the live object read from the
/// cluster; ones that name another document (`document: KIND/NAME`) are left out.
enum WorkloadPreview {
    static func apply(_ plan: MigrationPlan, to workload: JSON) -> JSON {
        let own = "\(plan.workload.kind.rawValue)/\(plan.workload.name)"
        var result = workload
        for change in plan.manifestChanges where change.path.starts(with: ["spec", "template"]) {
            if let document = change.document, document != own { continue }
            LiveEdit.apply(change.edit, at: change.path, to: &result)
        }
        for change in plan.liveChanges where change.object.description == own && change.path.starts(with: ["spec", "template"]) {
            LiveEdit.apply(change.edit, at: change.path, to: &result)
        }
        return result
    }
}
