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
    /// The Kustomization whose objects these are (its labels go on every object).
    struct Owner: Sendable {
        var name: String
        var namespace: String
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
        let namespace = kind.namespaced ? (input.namespace.isEmpty ? "default" : input.namespace) : ""
        if kind.namespaced { desired[path: ["metadata", "namespace"]] = .string(namespace) }
        desired.labels[FluxStatus.nameLabel] = owner.name
        desired.labels[FluxStatus.namespaceLabel] = owner.namespace
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
            if Self.isDisabled(live) || Self.isDisabled(desired) { return Change(key: key, id: id, action: "skipped") }
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

    /// Deletes what carries this Kustomization's labels but is not in `keep`, except
    /// objects marked `kustomize.toolkit.fluxcd.io/prune: disabled`.
    func prune(keeping keep: Set<ObjectKey>, owner: Owner) async -> [Change] {
        var changes: [Change] = []
        for kind in await ResourceCatalog.served(by: store) where kind != ResourceCatalog.events {
            for object in await store.list(kind) where !object.isDeleting {
                guard object.labels[FluxStatus.nameLabel] == owner.name,
                    object.labels[FluxStatus.namespaceLabel] == owner.namespace,
                    object.labels[FluxStatus.pruneKey] != "disabled", object.annotations[FluxStatus.pruneKey] != "disabled",
                    !Self.isDisabled(object)
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
