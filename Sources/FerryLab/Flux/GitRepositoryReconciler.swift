import FerryJSON
import Foundation

/// source-controller for GitRepository: resolves `spec.ref.branch` (default
/// `master`) of `spec.url` with the real `git ls-remote`, archives a new head into
/// artifact storage, and publishes it as `status.artifact` with Flux's conditions and
/// messages (`stored artifact for revision 'main@sha1:…'`, or `GitOperationFailed`).
///
/// The lab reads local repositories only: `spec.url` is a `file://` URL or a path to a
/// (bare) repository, where a real source-controller takes HTTP/S or SSH.
struct GitRepositoryReconciler: Sendable {
    let store: ObjectStore
    let storage: ArtifactStorage
    let events: EventRecorder

    init(store: ObjectStore, storage: ArtifactStorage) {
        self.store = store
        self.storage = storage
        self.events = EventRecorder(store: store, component: "source-controller")
    }

    func reconcile(_ repository: JSON) async {
        let url = repository["spec"]["url"].stringValue ?? ""
        let branch = repository["spec"]["ref"]["branch"].stringValue ?? "master"
        let ref = "refs/heads/\(branch)"
        let failurePrefix = "failed to checkout and determine revision: unable to clone '\(url)'"
        guard let gitDirectory = Self.localPath(url) else {
            return await fail(repository, "\(failurePrefix): the lab reads only file:// URLs and local paths")
        }
        let listing: GitCommand.Result
        do {
            listing = try await GitCommand.run(["ls-remote", gitDirectory, ref])
        } catch {
            return await fail(repository, "\(failurePrefix): \(error)")
        }
        guard listing.succeeded else {
            let cause = listing.stderr.contains("does not appear to be a git repository") ? "repository not found" : listing.message
            return await fail(repository, "\(failurePrefix): \(cause)")
        }
        guard let sha = listing.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init), sha.count == 40 else {
            return await fail(repository, "\(failurePrefix): couldn't find remote ref \"\(ref)\"")
        }
        let revision = FluxStatus.revision(branch: branch, sha: sha)
        var artifact = repository["status"]["artifact"]
        var stored = false
        if artifact["revision"].stringValue != revision || !storage.contains(artifact) {
            do {
                artifact = try await storage.store(
                    gitDirectory: gitDirectory, sha: sha, revision: revision, namespace: repository.namespace,
                    name: repository.name)
                stored = true
            } catch {
                return await fail(repository, "failed to archive revision '\(revision)': \(error)", reason: "ArchiveOperationFailed")
            }
        }
        let message = "stored artifact for revision '\(revision)'"
        await store.modify(key(repository), subresource: "status") { object in
            var status = object["status"]
            status["artifact"] = artifact
            FluxStatus.removeCondition("FetchFailed", from: &status)
            FluxStatus.finish(
                &status, of: repository, ready: true, reason: "Succeeded", message: message, extra: ["ArtifactInStorage"])
            object["status"] = status
        }
        if stored {
            let subject = (try? await GitCommand.succeed(["--git-dir", gitDirectory, "log", "-1", "--format=%s", sha]))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? sha
            await events.record(
                repository, kind: ResourceCatalog.gitRepositories, reason: "NewArtifact",
                message: "stored artifact for commit '\(subject)'")
        }
    }

    private func fail(_ repository: JSON, _ message: String, reason: String = "GitOperationFailed") async {
        await store.modify(key(repository), subresource: "status") { object in
            var status = object["status"]
            FluxStatus.finish(&status, of: repository, ready: false, reason: reason, message: message)
            // FetchFailed has negative polarity: True means the last fetch failed.
            FluxStatus.setCondition(
                &status, "FetchFailed", true, reason: reason, message: message,
                generation: repository["metadata"]["generation"])
            object["status"] = status
        }
        await events.record(
            repository, kind: ResourceCatalog.gitRepositories, type: "Warning", reason: reason, message: message)
    }

    private func key(_ repository: JSON) -> ObjectKey {
        ObjectKey(ResourceCatalog.gitRepositories, namespace: repository.namespace, name: repository.name)
    }

    /// The repository directory a `file://` URL or a plain absolute path names.
    static func localPath(_ url: String) -> String? {
        if url.hasPrefix("file://") { return URL(string: url)?.path ?? String(url.dropFirst("file://".count)) }
        if url.hasPrefix("/") { return url }
        return nil
    }
}
