import FerryJSON
import Foundation

/// The status conventions Flux's controllers share (fluxcd/pkg/apis/meta): a Ready
/// condition carrying the generation it describes, `observedGeneration`, and the
/// `reconcile.fluxcd.io/requestedAt` handshake that `flux reconcile` relies on.
enum FluxStatus {
    /// Set to any new value (`flux reconcile` writes a timestamp) to ask for a
    /// reconcile now; the controller echoes it in `status.lastHandledReconcileAt`.
    static let requestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"
    /// The labels kustomize-controller puts on every object it applies.
    static let nameLabel = "kustomize.toolkit.fluxcd.io/name"
    static let namespaceLabel = "kustomize.toolkit.fluxcd.io/namespace"
    /// On an object (label or annotation), `disabled` keeps it from being pruned.
    static let pruneKey = "kustomize.toolkit.fluxcd.io/prune"
    /// `disabled` on an object (in the cluster or in Git): Flux neither applies nor prunes it.
    static let reconcileKey = "kustomize.toolkit.fluxcd.io/reconcile"

    /// `main@sha1:<40 hex>`, Flux v2's revision format.
    static func revision(branch: String, sha: String) -> String { "\(branch)@sha1:\(sha)" }

    /// Whether the object asks for a reconcile it has not had yet.
    static func hasPendingRequest(_ object: JSON) -> Bool {
        guard let requested = object.annotations[requestedAtAnnotation] else { return false }
        return requested != object["status"]["lastHandledReconcileAt"].stringValue
    }

    /// Whether `metadata.generation` is newer than what the status describes.
    static func hasNewGeneration(_ object: JSON) -> Bool {
        object["metadata"]["generation"] != object["status"]["observedGeneration"]
    }

    /// Records the outcome of a reconcile of `object` (as read at its start) into
    /// `status`: the Ready condition (and `extra` ones with the same polarity),
    /// observedGeneration and lastHandledReconcileAt; Reconciling is dropped.
    static func finish(
        _ status: inout JSON, of object: JSON, ready: Bool, reason: String, message: String,
        extra conditions: [String] = []
    ) {
        let generation = object["metadata"]["generation"]
        for type in ["Ready"] + conditions {
            setCondition(&status, type, ready, reason: reason, message: message, generation: generation)
        }
        removeCondition("Reconciling", from: &status)
        status["observedGeneration"] = generation
        if let requested = object.annotations[requestedAtAnnotation] {
            status["lastHandledReconcileAt"] = .string(requested)
        }
    }

    /// Sets one condition with the generation it describes, keeping its
    /// lastTransitionTime when the status stays the same.
    static func setCondition(
        _ status: inout JSON, _ type: String, _ value: Bool, reason: String, message: String, generation: JSON
    ) {
        var holder: JSON = ["status": status]
        holder.setCondition(type, status: value, reason: reason, message: message, now: Timestamp.string(Date()))
        var list = holder["status"]["conditions"].arrayValue ?? []
        for index in list.indices where list[index]["type"].stringValue == type {
            list[index]["observedGeneration"] = generation
        }
        status = holder["status"]
        status["conditions"] = .array(list)
    }

    /// Removes a condition type, e.g. `FetchFailed` once a fetch works again.
    static func removeCondition(_ type: String, from status: inout JSON) {
        guard let list = status["conditions"].arrayValue else { return }
        status["conditions"] = .array(list.filter { $0["type"].stringValue != type })
    }

    /// How kustomize-controller names an object in messages: `Deployment/frigate/frigate`,
    /// or `Namespace/frigate` for a cluster-scoped one.
    static func objectID(kind: String, namespace: String, name: String) -> String {
        namespace.isEmpty ? "\(kind)/\(name)" : "\(kind)/\(namespace)/\(name)"
    }

    /// An inventory entry's id: `<namespace>_<name>_<group>_<kind>`, as in `status.inventory`.
    static func inventoryID(_ key: ObjectKey) -> String {
        "\(key.namespace)_\(key.name)_\(key.kind.group)_\(key.kind.kind)"
    }
}
