import FerryJSON
import Foundation
import Synchronization

/// kustomize-controller's apply, the lab's way: every object from Git goes through
/// the apiserver's admission (a new object as a create, an existing one as an
/// update, so immutable fields and validation fail as they do on a cluster), Git's
/// fields win over the live object's, fields Git does not set (status, defaults,
/// other managers' changes) stay, and fields this Kustomization applied before but Git
/// no longer has are removed (a three-way merge standing in for server-side apply's
/// field ownership). Lists are replaced whole.
struct FluxApplier: Sendable {
    /// Whose objects these are: a Kustomization, or a HelmRelease (see
    /// `FluxApplier.Owner+Helm`). The owner's labels and annotations go on every object;
    /// its `identity` labels find them again for pruning.
    struct Owner: Sendable {
        var labels: [String: String]
        var annotations: [String: String] = [:]
        /// The label keys that say an object is this owner's (the prune selector).
        var identity: [String]
        /// Where an object without a namespace goes (kubectl's `default`, or a Helm release's namespace).
        var defaultNamespace = "default"
        /// An object this says to leave alone, live or desired, is neither applied nor pruned.
        var leavesAlone: @Sendable (JSON) -> Bool = { _ in false }
        /// An object this says to keep is not pruned.
        var keeps: @Sendable (JSON) -> Bool = { _ in false }

        /// kustomize-controller's labels, and its `reconcile: disabled` and `prune: disabled` marks.
        static func kustomization(name: String, namespace: String) -> Owner {
            Owner(
                labels: [FluxStatus.nameLabel: name, FluxStatus.namespaceLabel: namespace],
                identity: [FluxStatus.nameLabel, FluxStatus.namespaceLabel],
                leavesAlone: FluxApplier.isDisabled,
                keeps: { $0.labels[FluxStatus.pruneKey] == "disabled" || $0.annotations[FluxStatus.pruneKey] == "disabled" })
        }
    }

    struct Change: Sendable {
        var key: ObjectKey
        var id: String
        /// `created`, `configured`, `unchanged` or `deleted`, as in Flux's change set.
        var action: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let store: ObjectStore
    /// What was last applied per object, the "last-applied" side of the three-way merge.
    let applied: AppliedConfigurations

    /// Applies `objects` in order (CustomResourceDefinitions and Namespaces first, as
    /// Flux stages them, so that custom resources find their kind served); stops at
    /// the first object the apiserver refuses.
    func apply(_ objects: [JSON], owner: Owner) async throws(Failure) -> [Change] {
        let firstStage: Set<JSON> = ["CustomResourceDefinition", "Namespace"]
        let ordered = objects.filter { firstStage.contains($0["kind"]) } + objects.filter { !firstStage.contains($0["kind"]) }
        var changes: [Change] = []
        for object in ordered { changes.append(try await apply(object, owner: owner)) }
        return changes
    }

    private func apply(_ input: JSON, owner: Owner) async throws(Failure) -> Change {
        let apiVersion = input["apiVersion"].stringValue ?? ""
        let kindName = input["kind"].stringValue ?? ""
        guard let kind = await ResourceCatalog.kind(apiVersion: apiVersion, kind: kindName, in: store) else {
            let id = FluxStatus.objectID(kind: kindName, namespace: input.namespace, name: input.name)
            throw Failure(description: "\(id) dry-run failed: no matches for kind \"\(kindName)\" in version \"\(apiVersion)\"")
        }
        var desired = input
        let namespace = kind.namespaced ? (input.namespace.isEmpty ? owner.defaultNamespace : input.namespace) : ""
        if kind.namespaced { desired[path: ["metadata", "namespace"]] = .string(namespace) }
        for (key, value) in owner.labels { desired.labels[key] = value }
        for (key, value) in owner.annotations { desired.annotations[key] = value }
        let key = ObjectKey(kind, namespace: namespace, name: input.name)
        let id = FluxStatus.objectID(kind: kind.kind, namespace: namespace, name: input.name)
        let admission = Admission(store: store)
        do throws(APIError) {
            guard let live = await store.find(key), !live.isDeleting else {
                let admitted = try await admission.create(desired, kind: kind, namespace: namespace)
                try await store.create(admitted, kind: kind)
                applied.remember(desired, for: key)
                return Change(key: key, id: id, action: "created")
            }
            // Flux leaves an object marked `reconcile: disabled` (in the cluster or in
            // Git) as it is: neither applied nor pruned, still in the inventory.
            if owner.leavesAlone(live) || owner.leavesAlone(desired) { return Change(key: key, id: id, action: "skipped") }
            var merged = Self.merge(live: live, last: applied.last(for: key), desired: desired)
            Self.applyDefaults(&merged, kind: kind)
            if Self.withoutStatus(merged) == Self.withoutStatus(live) {
                applied.remember(desired, for: key)
                return Change(key: key, id: id, action: "unchanged")
            }
            var admitted = try admission.update(merged, old: live, kind: kind, subresource: nil)
            admitted[path: ["metadata", "resourceVersion"]] = nil
            try await store.update(admitted, key: key)
            applied.remember(desired, for: key)
            return Change(key: key, id: id, action: "configured")
        } catch {
            throw Failure(description: "\(id) dry-run failed (\(error.reason)): \(error.message)")
        }
    }

    /// Deletes what carries the owner's identity labels but is not in `keep`, except
    /// objects the owner keeps or leaves alone (for a Kustomization, those marked
    /// `kustomize.toolkit.fluxcd.io/prune: disabled` or `reconcile: disabled`).
    func prune(keeping keep: Set<ObjectKey>, owner: Owner) async -> [Change] {
        var changes: [Change] = []
        for kind in await ResourceCatalog.served(by: store) where kind != ResourceCatalog.events {
            for object in await store.list(kind) where !object.isDeleting {
                guard owner.identity.allSatisfy({ object.labels[$0] == owner.labels[$0] }),
                    !owner.keeps(object), !owner.leavesAlone(object)
                else { continue }
                let key = ObjectKey(kind, namespace: object.namespace, name: object.name)
                guard !keep.contains(key) else { continue }
                if (try? await store.delete(key)) != nil {
                    applied.forget(key)
                    changes.append(Change(
                        key: key, id: FluxStatus.objectID(kind: kind.kind, namespace: key.namespace, name: key.name),
                        action: "deleted"))
                }
            }
        }
        return changes
    }

    static func isDisabled(_ object: JSON) -> Bool {
        object.annotations[FluxStatus.reconcileKey] == "disabled" || object.labels[FluxStatus.reconcileKey] == "disabled"
    }

    /// Git's value wins; objects merge key by key; a key this Kustomization applied
    /// last time and Git no longer has is removed; anything else live keeps.
    static func merge(live: JSON, last: JSON?, desired: JSON) -> JSON {
        guard case .object(var result) = live, case .object(let wanted) = desired else { return desired }
        let previous = last?.objectValue ?? [:]
        for (key, value) in wanted {
            result[key] = merge(live: result[key] ?? .null, last: previous[key], desired: value)
        }
        for key in previous.keys where wanted[key] == nil { result.removeValue(forKey: key) }
        return .object(result)
    }

    /// The defaults the apiserver fills into pod templates, filled again after a
    /// merge replaced a list, so that re-applying unchanged Git is a no-op.
    private static func applyDefaults(_ object: inout JSON, kind: ResourceKind) {
        switch kind {
        case ResourceCatalog.deployments, ResourceCatalog.statefulSets, ResourceCatalog.replicaSets:
            PodDefaults.apply(toTemplateOf: &object)
        default:
            break
        }
    }

    private static func withoutStatus(_ object: JSON) -> JSON {
        var object = object
        object.removeValue(forKey: "status")
        return object
    }
}

/// The objects a FluxApplier applied last, per object: the lab's stand-in for the
/// managed fields a real apiserver keeps for server-side apply.
final class AppliedConfigurations: Sendable {
    private let configurations = Mutex<[ObjectKey: JSON]>([:])

    func last(for key: ObjectKey) -> JSON? { configurations.withLock { $0[key] } }
    func remember(_ object: JSON, for key: ObjectKey) { configurations.withLock { $0[key] = object } }
    func forget(_ key: ObjectKey) { _ = configurations.withLock { $0.removeValue(forKey: key) } }
}
