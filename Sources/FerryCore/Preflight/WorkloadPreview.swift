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
            switch change.edit {
            case .remove: edit(&result, change.path[...]) { _ in nil }
            case .set(let value): edit(&result, change.path[...]) { _ in .string(value) }
            case .replace(let from, let to):
                edit(&result, change.path[...]) { old in old?.stringValue.map { .string($0.replacingOccurrences(of: from, with: to)) } ?? old }
            }
        }
        return result
    }

    /// Changes the value at `path` (mapping keys, list indexes, `name=VALUE` in lists
    /// of named items); nil from `change` removes it. A path that does not exist is
    /// left alone, except that `set` creates missing mappings.
    private static func edit(_ json: inout JSON, _ path: ArraySlice<String>, _ change: (JSON?) -> JSON?) {
        guard let head = path.first else { return }
        let rest = path.dropFirst()
        switch json {
        case .array(var items):
            let index: Int?
            if let number = Int(head) {
                index = items.indices.contains(number) ? number : nil
            } else if let equals = head.firstIndex(of: "=") {
                let key = String(head[..<equals])
                let value = String(head[head.index(after: equals)...])
                index = items.firstIndex { $0[key].stringValue == value }
            } else {
                index = nil
            }
            guard let index else { return }
            if rest.isEmpty {
                if let new = change(items[index]) { items[index] = new } else { items.remove(at: index) }
            } else {
                edit(&items[index], rest, change)
            }
            json = .array(items)
        case .object(var object):
            if rest.isEmpty {
                object[head] = change(object[head])
            } else {
                var child = object[head] ?? .object([:])
                edit(&child, rest, change)
                if object[head] != nil || child != .object([:]) { object[head] = child }
            }
            json = .object(object)
        default:
            return
        }
    }
}
