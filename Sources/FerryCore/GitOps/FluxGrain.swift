import FerryJSON

/// Which grain of pause a Kustomization calls for (`gitops.pause`), from what it
/// applies: its `status.inventory`, where kustomize-controller lists every object it
/// manages as `<namespace>_<name>_<group>_<kind>`.
enum FluxGrain {
    struct Decision: Equatable {
        var pause: MigrationPlan.GitOps.Pause
        var note: String
        /// What it applies outside the app, as `ConfigMap mqtt/mosquitto-config, … and N more`; nil when nothing or unknown.
        var outside: String?
    }

    /// `kustomization` when everything it applies is the app's (in its namespace, or
    /// that namespace itself); `objects` when it applies anything else, or when there is
    /// no inventory to tell: marking is safe whatever else it applies, suspending is not.
    static func decide(kustomization: JSON, ref: MigrationPlan.ObjectRef, namespace: String) -> Decision {
        guard let entries = kustomization["status"]["inventory"]["entries"].arrayValue else {
            return Decision(
                pause: .objects,
                note: "Kustomization \(ref) has no status.inventory (not reconciled yet?), so what else it applies is not known: "
                    + "ferry leaves it reconciling and marks only what it changes (kustomize.toolkit.fluxcd.io/reconcile: disabled).",
                outside: nil)
        }
        let ids = entries.compactMap { $0["id"].stringValue }
        let others = ids.compactMap(Entry.init).filter { !$0.belongs(to: namespace) }
        guard !others.isEmpty else {
            return Decision(
                pause: .kustomization,
                note: "Kustomization \(ref) applies only namespace \(namespace) (\(ids.count) objects): ferry suspends it for the move.",
                outside: nil)
        }
        let shown = others.prefix(3).map(\.description).joined(separator: ", ")
        let more = others.count > 3 ? " and \(others.count - 3) more" : ""
        let outside = "Kustomization \(ref) also applies \(others.count) objects outside namespace \(namespace) (\(shown)\(more))"
        return Decision(
            pause: .objects,
            note: outside + ": suspending it would stop their GitOps for the whole move, so ferry leaves it reconciling and marks only "
                + "what it changes (kustomize.toolkit.fluxcd.io/reconcile: disabled).",
            outside: outside)
    }

    /// One inventory id; Kubernetes names never hold `_`, so the split is exact.
    struct Entry: CustomStringConvertible {
        var namespace: String
        var name: String
        var kind: String

        init?(_ id: String) {
            let parts = id.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { return nil }
            (namespace, name, kind) = (parts[0], parts[1], parts[3])
        }

        func belongs(to app: String) -> Bool {
            namespace == app || (namespace.isEmpty && kind == "Namespace" && name == app)
        }

        var description: String { namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }
    }
}
