import FerryJSON

/// The one status write that ends a HelmRelease's reconcile. Ready, Released,
/// `observedGeneration` and `lastHandledReconcileAt` change together, so a client that
/// waits for "observedGeneration is my generation and Ready is True" sees its values
/// released, never a Ready left over from before.
extension HelmReleaseReconciler {
    /// Records a reconcile that had a plan: its chart, digests, and (with `history`) the
    /// releases. `released`: whether the outcome is also the Released condition's.
    func write(
        _ release: JSON, plan: HelmReleasePlan, history: HelmReleaseHistory?, action: HelmReleaseAction? = nil,
        ready: Bool, reason: String, message: String, released: Bool = true
    ) async {
        await store.modify(key(release), subresource: "status") { object in
            var status = object["status"]
            if let history { status["history"] = .array(history.snapshots) }
            if let action { status["lastAttemptedReleaseAction"] = .string(action.rawValue) }
            if Self.isForced(release), let force = release.annotations[Self.forceAtAnnotation] {
                status["lastHandledForceAt"] = .string(force)
            }
            status["storageNamespace"] = .string(plan.releaseNamespace)
            Self.attempted(&status, of: release, chart: plan.chart.metadata, configDigest: plan.configDigest)
            FluxStatus.finish(&status, of: release, ready: ready, reason: reason, message: message, extra: released ? ["Released"] : [])
            object["status"] = status
        }
    }

    /// Records a reconcile that failed before it had a plan (no chart, values or render).
    func fail(
        _ release: JSON, reason: String, message: String, chart: HelmChart.Metadata?, configDigest: String?, released: Bool
    ) async {
        await store.modify(key(release), subresource: "status") { object in
            var status = object["status"]
            Self.attempted(&status, of: release, chart: chart, configDigest: configDigest)
            FluxStatus.finish(&status, of: release, ready: false, reason: reason, message: message, extra: released ? ["Released"] : [])
            object["status"] = status
        }
        await events.record(release, kind: ResourceCatalog.helmReleases, type: "Warning", reason: reason, message: message)
    }

    /// `lastAttemptedGeneration`, `lastAttemptedRevision` (the chart's version) and
    /// `lastAttemptedConfigDigest`, as far as they are known.
    private static func attempted(_ status: inout JSON, of release: JSON, chart: HelmChart.Metadata?, configDigest: String?) {
        status["lastAttemptedGeneration"] = release["metadata"]["generation"]
        if let chart { status["lastAttemptedRevision"] = .string(chart.version) }
        if let configDigest { status["lastAttemptedConfigDigest"] = .string(configDigest) }
    }

    func key(_ release: JSON) -> ObjectKey {
        ObjectKey(ResourceCatalog.helmReleases, namespace: release.namespace, name: release.name)
    }
}
