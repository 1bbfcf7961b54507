import FerryJSON
import Foundation

/// Flux in the lab: source-controller (GitRepository), kustomize-controller
/// (Kustomization) and helm-controller (HelmRelease) as one controller of the lab's loop.
///
/// Like Flux, it does not act on every change in the cluster. An object is
/// reconciled when it is new to the controller, when its generation changed, when a
/// `reconcile.fluxcd.io/requestedAt` is not yet answered, when (for a Kustomization)
/// its source has a revision it has not attempted (for a HelmRelease: its chart's
/// GitRepository), and otherwise every
/// `spec.interval` (scaled by `LabConfiguration.Timing.fluxIntervalScale`); the
/// controller asks the loop to wake it when the next interval is due. That interval
/// is what reverts drift such as a manual `kubectl scale`. A suspended object is
/// left alone entirely, as Flux leaves it.
actor FluxController: Controller {
    private let store: ObjectStore
    private let sources: GitRepositoryReconciler
    private let kustomizations: KustomizationReconciler
    private let helmReleases: HelmReleaseReconciler
    private let scale: Double
    private let loop: ControllerLoop
    private let clock = ContinuousClock()
    /// When each object is next due for its interval run.
    private var nextRun: [ObjectKey: ContinuousClock.Instant] = [:]
    /// The chart source's revision each HelmRelease was last reconciled with.
    private var chartRevisions: [ObjectKey: String] = [:]
    /// The earliest wake-up already asked of the loop.
    private var wakeAt: ContinuousClock.Instant?

    init(store: ObjectStore, directory: URL, timing: LabConfiguration.Timing, loop: ControllerLoop) {
        let storage = ArtifactStorage(labDirectory: directory)
        self.store = store
        self.sources = GitRepositoryReconciler(store: store, storage: storage)
        let applied = AppliedConfigurations()
        self.kustomizations = KustomizationReconciler(store: store, storage: storage, applied: applied)
        self.helmReleases = HelmReleaseReconciler(store: store, storage: storage, applied: applied)
        self.scale = timing.fluxIntervalScale
        self.loop = loop
    }

    func reconcile() async {
        var live = Set<ObjectKey>()
        // Sources first, so that a Kustomization sees a new revision in the same round.
        for repository in await store.list(ResourceCatalog.gitRepositories) where !repository.isDeleting {
            let key = ObjectKey(ResourceCatalog.gitRepositories, namespace: repository.namespace, name: repository.name)
            // A suspended object has no schedule: its past due time would wake the loop
            // at once, round after round, for as long as it stays suspended. Resumed,
            // it is due at once, as Flux reconciles on resume.
            guard !isSuspended(repository) else { continue }
            live.insert(key)
            guard isDue(key, repository) else { continue }
            await sources.reconcile(repository)
            schedule(key, repository)
        }
        for kustomization in await store.list(ResourceCatalog.kustomizations) where !kustomization.isDeleting {
            let key = ObjectKey(ResourceCatalog.kustomizations, namespace: kustomization.namespace, name: kustomization.name)
            guard !isSuspended(kustomization) else { continue }
            live.insert(key)
            let newRevision = await kustomizations.sourceRevision(of: kustomization)
                .map { $0 != kustomization["status"]["lastAttemptedRevision"].stringValue } ?? false
            guard newRevision || isDue(key, kustomization) else { continue }
            // Read again: the source's round may have taken a while.
            guard let current = await store.find(key) else { continue }
            await kustomizations.reconcile(current)
            schedule(key, current)
        }
        // Releases last, so that a HelmRelease a Kustomization just changed is released in the same round.
        for release in await store.list(ResourceCatalog.helmReleases) where !release.isDeleting {
            let key = ObjectKey(ResourceCatalog.helmReleases, namespace: release.namespace, name: release.name)
            guard !isSuspended(release) else { continue }
            live.insert(key)
            let revision = await helmReleases.sourceRevision(of: release)
            let newRevision = revision != nil && revision != chartRevisions[key]
            guard newRevision || isDue(key, release) else { continue }
            guard let current = await store.find(key) else { continue }
            await helmReleases.reconcile(current)
            chartRevisions[key] = revision
            schedule(key, current)
        }
        nextRun = nextRun.filter { live.contains($0.key) }
        chartRevisions = chartRevisions.filter { live.contains($0.key) }
        requestWake()
    }

    private func isSuspended(_ object: JSON) -> Bool {
        object["spec"]["suspend"].boolValue == true
    }

    private func isDue(_ key: ObjectKey, _ object: JSON) -> Bool {
        guard let next = nextRun[key] else { return true }
        return clock.now >= next || FluxStatus.hasNewGeneration(object) || FluxStatus.hasPendingRequest(object)
    }

    private func schedule(_ key: ObjectKey, _ object: JSON) {
        let interval = FluxDuration.labInterval(object["spec"]["interval"].stringValue, scale: scale)
        nextRun[key] = clock.now.advanced(by: interval)
    }

    /// Asks the loop for a round when the earliest interval is due, unless an
    /// earlier wake-up is already on its way.
    private func requestWake() {
        let now = clock.now
        if let wakeAt, wakeAt <= now { self.wakeAt = nil }
        guard let earliest = nextRun.values.min() else { return }
        if let wakeAt, wakeAt <= earliest { return }
        wakeAt = earliest
        loop.wake(after: max(earliest - now, .milliseconds(1)))
    }
}
