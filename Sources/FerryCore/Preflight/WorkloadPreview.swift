import FerryJSON
import Foundation

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
        if plan.gitops?.helmRelease != nil { rendering(plan.manifestChanges, on: &result) }
        return result
    }

    /// A chart's rendering is not known, but `ferry plan` wrote each edit of a
    /// release's values for one rendered field, under the same key: a hostname moved,
    /// `runtimeClassName` dropped, an extended resource dropped. The preview makes the
    /// same change to the rendered pod (edits by hand may say less), so the target is checked against the pod the
    /// upgrade will make.
    private static func rendering(_ changes: [MigrationPlan.ManifestChange], on workload: inout JSON) {
        let pod = ["spec", "template", "spec"]
        let spec = workload["spec"]["template"]["spec"]
        let pinned = spec["nodeSelector"]["kubernetes.io/hostname"].stringValue
        func drop(_ key: String) {
            if key == "runtimeClassName" { LiveEdit.apply(.remove, at: pod + ["runtimeClassName"], to: &workload) }
            guard ExtendedResource.isExtended(key) else { return }
            for container in spec["containers"].arrayValue ?? [] {
                guard let name = container["name"].stringValue else { continue }
                for section in ["limits", "requests"] where container["resources"][section][key] != JSON.null {
                    LiveEdit.apply(.remove, at: pod + ["containers", "name=\(name)", "resources", section, key], to: &workload)
                }
            }
        }
        for change in changes {
            switch change.edit {
            case .set(let value):
                // The only value discovery sets is the node's hostname.
                if pinned != nil { LiveEdit.apply(.set(value), at: pod + ["nodeSelector", "kubernetes.io/hostname"], to: &workload) }
            case .remove:
                change.path.last.map(drop)
            case .replace(let from, let to) where from == pinned:
                LiveEdit.apply(.set(to), at: pod + ["nodeSelector", "kubernetes.io/hostname"], to: &workload)
            case .replace(let from, ""):
                // A key dropped with its line from a values text (`runtimeClassName: nvidia`).
                let key = from.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").first.map(String.init)
                key.map { drop($0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))) }
            default:
                continue
            }
        }
    }
}
