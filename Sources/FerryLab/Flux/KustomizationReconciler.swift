import FerryJSON
import Foundation

/// kustomize-controller for Kustomization: takes the artifact of `spec.sourceRef`
/// (a GitRepository), builds `spec.path` (see `KustomizeBuild`), applies every object
/// through admission (see `FluxApplier`), prunes what left Git when `spec.prune` is
/// set, and reports as Flux does: `lastAttemptedRevision`, `lastAppliedRevision`,
/// `status.inventory`, Ready `ReconciliationSucceeded` ("Applied revision: …") or
/// False with `ArtifactFailed`, `BuildFailed` or `ReconciliationFailed` and the
/// apiserver's message.
struct KustomizationReconciler: Sendable {
    let store: ObjectStore
    let storage: ArtifactStorage
    let applier: FluxApplier
    let events: EventRecorder

    init(store: ObjectStore, storage: ArtifactStorage, applied: AppliedConfigurations) {
        self.store = store
        self.storage = storage
        self.applier = FluxApplier(store: store, applied: applied)
        self.events = EventRecorder(store: store, component: "kustomize-controller")
    }

    /// The GitRepository a Kustomization reads from, and its artifact's revision
    /// (nil while it has none): what decides whether a new revision is waiting.
    func sourceRevision(of kustomization: JSON) async -> String? {
        guard let source = await source(of: kustomization) else { return nil }
        return source["status"]["artifact"]["revision"].stringValue
    }

    func reconcile(_ kustomization: JSON) async {
        let started = ContinuousClock.now
        let reference = sourceKey(of: kustomization)
        let referenceID = "\(kustomization["spec"]["sourceRef"]["kind"].stringValue ?? "GitRepository")/\(reference.namespace)/\(reference.name)"
        guard kustomization["spec"]["sourceRef"]["kind"].stringValue ?? "GitRepository" == "GitRepository" else {
            return await fail(kustomization, revision: nil, reason: "ArtifactFailed",
                              message: "the lab serves only GitRepository sources, not \(referenceID)")
        }
        guard let source = await store.find(reference) else {
            return await fail(kustomization, revision: nil, reason: "ArtifactFailed", message: "Source '\(referenceID)' not found")
        }
        let artifact = source["status"]["artifact"]
        guard let revision = artifact["revision"].stringValue else {
            return await fail(kustomization, revision: nil, reason: "ArtifactFailed",
                              message: "Source artifact not found, retrying in \(kustomization["spec"]["retryInterval"].stringValue ?? "30s")")
        }
        let objects: [JSON]
        do {
            let tree = try await storage.tree(for: artifact)
            objects = try KustomizeBuild(root: tree).build(path: kustomization["spec"]["path"].stringValue ?? "")
        } catch let failure as KustomizeBuild.Failure {
            return await fail(kustomization, revision: revision, reason: failure.reason, message: failure.description)
        } catch {
            return await fail(kustomization, revision: revision, reason: "ArtifactFailed", message: "\(error)")
        }
        let target = kustomization["spec"]["targetNamespace"].stringValue ?? ""
        if let encrypted = objects.first(where: { $0["sops"] != .null }) {
            return await fail(kustomization, revision: revision, reason: kustomization["spec"]["decryption"] != .null
                ? "DecryptionFailed" : "ReconciliationFailed", message: Self.sopsFailure(encrypted, kustomization: kustomization))
        }
        let owner = FluxApplier.Owner.kustomization(name: kustomization.name, namespace: kustomization.namespace)
        var changes: [FluxApplier.Change]
        do {
            changes = try await applier.apply(
                target.isEmpty ? objects : objects.map { KustomizeBuild.settingNamespace(target, on: $0) }, owner: owner)
        } catch {
            return await fail(kustomization, revision: revision, reason: "ReconciliationFailed", message: error.description)
        }
        let applied = Set(changes.map(\.key))
        if kustomization["spec"]["prune"].boolValue == true {
            changes += await applier.prune(keeping: applied, owner: owner)
        }
        let entries: [JSON] = applied.sorted { FluxStatus.inventoryID($0) < FluxStatus.inventoryID($1) }.map {
            ["id": .string(FluxStatus.inventoryID($0)), "v": .string($0.kind.version)]
        }
        let message = "Applied revision: \(revision)"
        let previous = kustomization["status"]["lastAppliedRevision"].stringValue
        await store.modify(key(kustomization), subresource: "status") { object in
            var status = object["status"]
            status["lastAppliedRevision"] = .string(revision)
            status["lastAttemptedRevision"] = .string(revision)
            status["inventory"] = ["entries": .array(entries)]
            FluxStatus.finish(&status, of: kustomization, ready: true, reason: "ReconciliationSucceeded", message: message)
            object["status"] = status
        }
        let changed = changes.filter { $0.action != "unchanged" && $0.action != "skipped" }
        if !changed.isEmpty {
            await events.record(
                kustomization, kind: ResourceCatalog.kustomizations, reason: "Progressing",
                message: changed.map { "\($0.id) \($0.action)" }.joined(separator: "\n"))
        }
        if !changed.isEmpty || previous != revision {
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            await events.record(
                kustomization, kind: ResourceCatalog.kustomizations, reason: "ReconciliationSucceeded",
                message: "Reconciliation finished in \(String(format: "%.3f", milliseconds))ms, "
                    + "next run in \(kustomization["spec"]["interval"].stringValue ?? "10m0s")")
        }
    }

    /// A SOPS-encrypted document: Flux decrypts it with `spec.decryption`'s keys, and
    /// without them the apiserver refuses its `sops` field. The lab holds no keys, so it
    /// fails either way, never applying ciphertext as if it were the Secret.
    static func sopsFailure(_ object: JSON, kustomization: JSON) -> String {
        let id = FluxStatus.objectID(kind: object["kind"].stringValue ?? "", namespace: object.namespace, name: object.name)
        guard kustomization["spec"]["decryption"] != .null else {
            return "\(id) dry-run failed: .sops: field not declared in schema "
                + "(the document is SOPS-encrypted and the Kustomization has no spec.decryption)"
        }
        return "\(id) decryption failed: the lab holds no SOPS keys and cannot decrypt it "
            + "(docs/LAB.md: keep the lab's copy of the tree unencrypted)"
    }

    private func fail(_ kustomization: JSON, revision: String?, reason: String, message: String) async {
        await store.modify(key(kustomization), subresource: "status") { object in
            var status = object["status"]
            if let revision { status["lastAttemptedRevision"] = .string(revision) }
            FluxStatus.finish(&status, of: kustomization, ready: false, reason: reason, message: message)
            object["status"] = status
        }
        await events.record(
            kustomization, kind: ResourceCatalog.kustomizations, type: "Warning", reason: reason, message: message)
    }

    private func source(of kustomization: JSON) async -> JSON? {
        await store.find(sourceKey(of: kustomization))
    }

    private func sourceKey(of kustomization: JSON) -> ObjectKey {
        let reference = kustomization["spec"]["sourceRef"]
        return ObjectKey(
            ResourceCatalog.gitRepositories, namespace: reference["namespace"].stringValue ?? kustomization.namespace,
            name: reference["name"].stringValue ?? "")
    }

    private func key(_ kustomization: JSON) -> ObjectKey {
        ObjectKey(ResourceCatalog.kustomizations, namespace: kustomization.namespace, name: kustomization.name)
    }
}
