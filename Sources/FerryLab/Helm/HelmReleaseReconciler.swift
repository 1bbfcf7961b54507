import FerryJSON
import Foundation

/// helm-controller for HelmRelease (`helm.toolkit.fluxcd.io/v2`): renders the chart at
/// a GitRepository path with the release's values (see `HelmReleasePlan`) and applies
/// every object through admission (see `FluxApplier`), as `helm install`/`upgrade`.
///
/// A new release happens on install and when the chart's files or the values changed
/// (the plan's digest); objects the previous release had and this one does not are
/// deleted; so does a forced one (`reconcile.fluxcd.io/forceAt` with the same value as
/// `requestedAt`, as `flux reconcile hr --force` writes them, answered in
/// `status.lastHandledForceAt`). Otherwise a reconcile changes nothing, unless `spec.driftDetection.mode` is
/// `enabled`: then the rendered objects are applied again, reverting edits made in the
/// cluster. Status is written once, at the end, as Flux writes it: `history`, the
/// `lastAttempted*` fields, Ready and Released, `observedGeneration`.
struct HelmReleaseReconciler: Sendable {
    let store: ObjectStore
    let storage: ArtifactStorage
    let applier: FluxApplier
    let events: EventRecorder

    init(store: ObjectStore, storage: ArtifactStorage, applied: AppliedConfigurations) {
        self.store = store
        self.storage = storage
        self.applier = FluxApplier(store: store, applied: applied)
        self.events = EventRecorder(store: store, component: "helm-controller")
    }

    /// The revision of the chart's GitRepository artifact (nil while it has none).
    func sourceRevision(of release: JSON) async -> String? {
        await store.find(HelmReleasePlan.sourceKey(of: release))?["status"]["artifact"]["revision"].stringValue
    }

    func reconcile(_ release: JSON) async {
        let plan: HelmReleasePlan
        do {
            plan = try await HelmReleasePlan.make(for: release, store: store, storage: storage)
        } catch {
            return await fail(release, reason: error.reason, message: error.description, chart: error.chart,
                              configDigest: error.configDigest, released: error.reason.hasSuffix("Failed") && error.reason != "ArtifactFailed")
        }
        var history = HelmReleaseHistory(release["status"])
        if let latest = history.latest, latest["digest"] == .string(plan.digest), !Self.isForced(release) {
            if latest["status"] == "deployed" { return await keep(release, plan: plan, latest: latest) }
            // A failed release is not retried until the HelmRelease changes or is asked to.
            if !FluxStatus.hasNewGeneration(release) && !FluxStatus.hasPendingRequest(release) {
                let ready = release.condition("Ready")
                return await write(release, plan: plan, history: nil, ready: false,
                                   reason: ready?["reason"].stringValue ?? "UpgradeFailed", message: ready?["message"].stringValue ?? "")
            }
        }
        let action = history.nextAction
        let version = history.nextVersion
        let releaseID = "\(plan.releaseNamespace)/\(plan.releaseName)"
        let chartID = "\(plan.chart.metadata.name)@\(plan.chart.metadata.version)"
        let owner = owner(release, plan: plan, correctingDrift: false)
        let now = Timestamp.string(Date())
        let changes: [FluxApplier.Change]
        do {
            changes = try await applier.apply(plan.objects, owner: owner)
        } catch {
            history.record(history.snapshot(of: plan, version: version, status: "failed", now: now))
            let message = "Helm \(action.rawValue) failed for release \(releaseID) with chart \(chartID): \(error.description)"
            await write(release, plan: plan, history: history, action: action, ready: false, reason: "\(action.word)Failed", message: message)
            return await events.record(release, kind: ResourceCatalog.helmReleases, type: "Warning", reason: "\(action.word)Failed", message: message)
        }
        // As `helm upgrade`: what the previous release had and this one does not goes.
        _ = await applier.prune(keeping: Set(changes.map(\.key)), owner: owner)
        history.record(history.snapshot(of: plan, version: version, status: "deployed", now: now))
        let message = "Helm \(action.rawValue) succeeded for release \(releaseID).v\(version) with chart \(chartID)"
        await write(release, plan: plan, history: history, action: action, ready: true, reason: "\(action.word)Succeeded", message: message)
        await events.record(release, kind: ResourceCatalog.helmReleases, reason: "\(action.word)Succeeded", message: message)
    }

    static let forceAtAnnotation = "reconcile.fluxcd.io/forceAt"

    /// Asked for one release whatever the digest: `forceAt` set, equal to
    /// `requestedAt` (helm-controller acts on the pair only), and not answered yet.
    static func isForced(_ release: JSON) -> Bool {
        guard let force = release.annotations[forceAtAnnotation] else { return false }
        return force == release.annotations[FluxStatus.requestedAtAnnotation] && force != release["status"]["lastHandledForceAt"].stringValue
    }

    /// Nothing to release: with drift detection on, apply the release's objects again
    /// (reverting what was changed in the cluster) and say what was corrected.
    private func keep(_ release: JSON, plan: HelmReleasePlan, latest: JSON) async {
        let ready = release.condition("Ready")
        let reason = ready?["status"] == "True" ? ready?["reason"].stringValue : nil
        let message = ready?["status"] == "True" ? ready?["message"].stringValue : nil
        let fallback = HelmReleaseAction(rawValue: latest["version"] == 1 ? "install" : "upgrade") ?? .upgrade
        let releaseID = "\(plan.releaseNamespace)/\(plan.releaseName).v\(latest["version"].intValue ?? 1)"
        if release["spec"]["driftDetection"]["mode"].stringValue == "enabled" {
            do {
                let changes = try await applier.apply(plan.objects, owner: owner(release, plan: plan, correctingDrift: true))
                let corrected = changes.filter { $0.action == "created" || $0.action == "configured" }
                if !corrected.isEmpty {
                    await events.record(
                        release, kind: ResourceCatalog.helmReleases, reason: "DriftDetected",
                        message: "Cluster state of release \(releaseID) has been corrected:\n"
                            + corrected.map { "\($0.id) \($0.action)" }.joined(separator: "\n"))
                }
            } catch {
                let text = "Failed to correct cluster state of release \(releaseID): \(error.description)"
                await write(release, plan: plan, history: nil, ready: false, reason: "DriftDetected", message: text, released: false)
                return await events.record(release, kind: ResourceCatalog.helmReleases, type: "Warning", reason: "DriftDetected", message: text)
            }
        }
        await write(
            release, plan: plan, history: nil, ready: true, reason: reason ?? "\(fallback.word)Succeeded",
            message: message ?? "Helm \(fallback.rawValue) succeeded for release \(releaseID) with chart "
                + "\(plan.chart.metadata.name)@\(plan.chart.metadata.version)")
    }

    private func owner(_ release: JSON, plan: HelmReleasePlan, correctingDrift: Bool) -> FluxApplier.Owner {
        .helmRelease(
            name: release.name, namespace: release.namespace, release: plan.releaseName,
            releaseNamespace: plan.releaseNamespace, correctingDrift: correctingDrift)
    }
}
