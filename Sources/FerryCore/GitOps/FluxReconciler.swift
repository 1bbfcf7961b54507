import FerryJSON
import FerryKube
import Foundation

/// Resumes a Kustomization and makes Flux apply what is in Git now, waiting until
/// it has: `flux resume kustomization --with-source`, done through the API.
///
/// A reconcile can run before the source has fetched a new commit (flux2 #479), so
/// the wait is for the revision itself: the GitRepository's artifact and the
/// Kustomization's `lastAppliedRevision` both on the expected commit, and Ready.
struct FluxReconciler: Sendable {
    let plan: MigrationPlan
    let kube: KubeClient
    let kustomization: MigrationPlan.ObjectRef

    var gitRepository: MigrationPlan.ObjectRef? { plan.gitops?.gitRepository }
    /// Set to a new value to ask a Flux controller for a reconcile now; it echoes the
    /// value in `status.lastHandledReconcileAt` once done.
    static let requestedAt = "reconcile.fluxcd.io/requestedAt"

    /// Lifts ferry's pause (the objects' marks, or the suspension and its annotation),
    /// requests a reconcile of the source and the Kustomization, and waits until
    /// `commit` (or a commit on top of it; when nil, whatever the source fetches) is
    /// applied and the Kustomization is Ready. A Kustomization paused at the objects'
    /// grain was never suspended by ferry, and its `spec.suspend` is left as it is.
    func resume(_ context: StepContext, commit: PushedCommit? = nil) async throws {
        let pause = plan.gitops?.pause ?? .kustomization
        if let gitops = plan.gitops { try await FluxPause(plan: plan, kube: kube, gitops: gitops).unmark(context) }
        let now = Self.timestamp()
        if let gitRepository {
            var request = JSON.object([:])
            request[path: ["metadata", "annotations", Self.requestedAt]] = .string(now)
            try await kube.patch(.gitRepositories, gitRepository.name, namespace: gitRepository.namespace, request)
        }
        var resume = JSON.object([:])
        resume[path: ["metadata", "annotations", Self.requestedAt]] = .string(now)
        if pause == .kustomization {
            resume[path: ["metadata", "annotations", FluxPause.reasonAnnotation]] = .some(.null)
            resume[path: ["spec", "suspend"]] = .bool(false)
        }
        try await kube.patch(.kustomizations, kustomization.name, namespace: kustomization.namespace, resume)
        try await waitApplied(context, commit: commit, requestedAt: now)
    }

    /// Waits until the Kustomization has handled the request `requestedAt` and applied
    /// `commit` (a prefix of the revision's SHA is enough) or a commit on top of it,
    /// Ready=True. Flux may first report the revision it had (flux2 #479): a revision
    /// that is neither is asked about once (`PushedCommit.isIn`) and waited past.
    func waitApplied(_ context: StepContext, commit: PushedCommit?, requestedAt: String?) async throws {
        let what = commit.map { "Flux to apply commit \($0.sha.prefix(7)) (\(kustomization))" } ?? "Flux to reconcile \(kustomization)"
        context.waiting(what)
        let timeout = plan.timeouts.reconcile.duration
        let name = kustomization.name
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var before: Set<String> = []
        do {
            while true {
                let seen = before
                let object = try await kube.waitFor(
                    .kustomizations, name, namespace: kustomization.namespace, timeout: max(.zero, deadline - clock.now), waitingFor: what
                ) { object in
                    guard let object, Self.isApplied(object, commit: nil, requestedAt: requestedAt) else { return false }
                    guard let commit else { return true }
                    let sha = Self.sha(object)
                    return Self.revision(sha, matches: commit.sha) || !seen.contains(sha)
                }
                guard let commit, let object else { return }
                let sha = Self.sha(object)
                if Self.revision(sha, matches: commit.sha) { return }
                if await commit.isIn(sha) { return }
                before.insert(sha)
            }
        } catch {
            guard isTimeout(error) else { throw error }
            let object = try? await kube.get(.kustomizations, name, namespace: kustomization.namespace)
            let ready = object.flatMap { Self.condition($0, "Ready") }
            let message = ready?["message"].stringValue ?? "no Ready condition"
            throw StepFailure(
                "Flux did not apply \(commit.map { "commit \($0.sha.prefix(7)) (or a commit on top of it)" } ?? "the source") within \(plan.timeouts.reconcile): \(message)"
                    + (before.isEmpty ? "" : "; it applied \(before.sorted().map { String($0.prefix(7)) }.joined(separator: ", ")), which origin does not have on top of it"),
                fix: "flux get kustomizations -n \(kustomization.namespace) \(name); fix what it reports, then `ferry resume`")
        }
    }

    /// `isApplied`, where a revision other than `commit`'s counts when it contains it.
    func isApplied(_ object: JSON, commit: PushedCommit?, requestedAt: String?) async throws -> Bool {
        guard Self.isApplied(object, commit: nil, requestedAt: requestedAt) else { return false }
        guard let commit else { return true }
        let sha = Self.sha(object)
        return Self.revision(sha, matches: commit.sha) ? true : await commit.isIn(sha)
    }

    /// The SHA of the revision a Kustomization applied last ("" for none).
    static func sha(_ object: JSON) -> String {
        sha(ofRevision: object["status"]["lastAppliedRevision"].stringValue ?? "")
    }

    /// Flux writes `main@sha1:abc…` (v2) or `main/abc…` (v1).
    static func sha(ofRevision revision: String) -> String {
        revision.split(whereSeparator: { $0 == ":" || $0 == "/" }).last.map(String.init) ?? revision
    }

    static func isApplied(_ object: JSON, commit: String?, requestedAt: String?) -> Bool {
        let status = object["status"]
        if object["spec"]["suspend"].boolValue == true { return false }
        if let requestedAt, status["lastHandledReconcileAt"].stringValue != requestedAt { return false }
        if let commit {
            guard let applied = status["lastAppliedRevision"].stringValue, Self.revision(applied, matches: commit) else { return false }
        }
        return condition(object, "Ready")?["status"].stringValue == "True"
    }

    static func revision(_ revision: String, matches commit: String) -> Bool {
        let sha = sha(ofRevision: revision)
        return !commit.isEmpty && (sha.hasPrefix(commit) || commit.hasPrefix(sha))
    }

    static func condition(_ object: JSON, _ type: String) -> JSON? {
        object["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == type }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }
}
