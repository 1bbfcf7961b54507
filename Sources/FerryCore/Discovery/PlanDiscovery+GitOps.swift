import FerryGitOps
import FerryJSON
import FerryKube
import Foundation

/// The workload's GitOps side: the Flux objects, the clone, and the documents in it
/// that define the workload and the ConfigMaps it references, or the values a
/// HelmRelease renders it from.
struct GitOpsFinding: Sendable {
    var gitops: MigrationPlan.GitOps
    /// The document that defines the workload; nil when a HelmRelease renders it.
    var workload: GitManifest?
    var configMaps: [GitManifest]
    /// Every document the Kustomization builds from (Secrets left unread).
    var documents: [GitManifest]
    /// The values a HelmRelease renders the workload from.
    var helm: HelmValues?
}

/// A Kustomization, its source and the documents its path builds from in the clone.
struct FluxSource: Sendable {
    var kustomization: MigrationPlan.ObjectRef
    var object: JSON
    var gitRepository: MigrationPlan.ObjectRef
    var url: String
    var branch: String
    var clone: URL
    /// `spec.path`, relative to the clone's root ("" for the root).
    var path: String
    var scan: ManifestScan.Result

    var pathDescription: String { path.isEmpty ? "the root" : path }
}

extension PlanDiscovery {
    /// Follows the labels Flux puts on what it applies to the controller that applies
    /// the workload: helm-controller's (`helm.toolkit.fluxcd.io/name`, or Helm's
    /// `meta.helm.sh/release-name`) to a HelmRelease, kustomize-controller's
    /// (`kustomize.toolkit.fluxcd.io/name` and `/namespace`) to a Kustomization; then to
    /// its path, its GitRepository and the files in the local clone. Nil, with a note,
    /// when Flux does not manage the workload.
    func gitops(of workload: WorkloadFacts, request: PlanRequest, notes: inout PlanNotes) async throws -> GitOpsFinding? {
        let what = "\(workload.kind.rawValue) \(workload.reference)"
        if let release = FluxObjectChecks.helmRelease(of: workload.object) {
            return try await helmGitOps(of: workload, release: release, request: request, notes: &notes)
        }
        guard let kustomizationRef = FluxObjectChecks.kustomization(of: workload.object) else {
            notes.add("\(what) has no kustomize.toolkit.fluxcd.io/name label: Flux does not manage it, so ferry edits no manifests.", at: .section("gitops"))
            return nil
        }
        let source = try await fluxSource(kustomizationRef, applying: what, request: request, notes: &notes)
        let grain = FluxGrain.decide(kustomization: source.object, ref: kustomizationRef, namespace: workload.namespace)
        notes.add(grain.note, at: .field("gitops", "pause"))

        let scan = source.scan
        let candidates = scan.documents.filter {
            $0.kind == workload.kind.rawValue && $0.name == workload.name && ($0.namespace == nil || $0.namespace == workload.namespace)
        }
        guard let definition = candidates.first else {
            throw DiscoveryError(
                .gitops,
                "no file under \(source.pathDescription) of the clone \(source.clone.path) defines \(what): "
                    + "is it a clone of \(source.url), and up to date (`git -C \(source.clone.path) pull`)?")
        }
        var fileNotes = ["\(definition.file) defines \(what)."]
        if candidates.count > 1 {
            fileNotes.append("WARNING: \(candidates.dropFirst().map(\.file).joined(separator: ", ")) define it too; ferry edits \(definition.file).")
        }
        var configMaps: [GitManifest] = []
        for (configMap, how) in ManifestScan.configMapReferences(template: definition.json["spec"]["template"]) {
            if let document = scan.documents.first(where: {
                $0.kind == "ConfigMap" && $0.name == configMap && ($0.namespace == nil || $0.namespace == workload.namespace)
            }) {
                configMaps.append(document)
                fileNotes.append("\(document.file) defines ConfigMap \(configMap) (\(how)).")
            } else {
                fileNotes.append("ConfigMap \(configMap) (\(how)) is defined in no file under \(source.pathDescription): not edited.")
            }
        }
        fileNotes.forEach { notes.add($0, at: .field("gitops", "files")) }
        var files: [String] = []
        for file in [definition.file] + configMaps.map(\.file) where !files.contains(file) { files.append(file) }
        let gitops = MigrationPlan.GitOps(
            repo: source.clone.path, branch: source.branch, kustomization: kustomizationRef, pause: grain.pause,
            gitRepository: source.gitRepository, files: files)
        return GitOpsFinding(gitops: gitops, workload: definition, configMaps: configMaps, documents: scan.documents)
    }

    /// The Kustomization that applies `what`, its GitRepository, the clone, and the
    /// documents its path builds from.
    func fluxSource(
        _ kustomizationRef: MigrationPlan.ObjectRef, applying what: String, request: PlanRequest, notes: inout PlanNotes
    ) async throws -> FluxSource {
        let name = kustomizationRef.name
        guard let kustomization = try await reading("Flux Kustomization \(kustomizationRef)", {
            try await kube.find(.kustomizations, name, namespace: kustomizationRef.namespace)
        }) else {
            throw DiscoveryError(
                .gitops,
                "\(what) is labelled as applied by Flux Kustomization \(kustomizationRef), which does not exist: "
                    + "check `flux get kustomizations -A`; if Flux no longer manages it, remove the kustomize.toolkit.fluxcd.io labels")
        }
        let path = kustomization["spec"]["path"].stringValue ?? "./"
        let sourceRef = kustomization["spec"]["sourceRef"]
        guard sourceRef["kind"].stringValue == "GitRepository", let sourceName = sourceRef["name"].stringValue else {
            throw DiscoveryError(
                .gitops,
                "Flux Kustomization \(kustomizationRef) reads a \(sourceRef["kind"].stringValue ?? "source") rather than a GitRepository: "
                    + "ferry edits manifests in Git only; write the plan's gitops section by hand or leave it out")
        }
        let sourceRefObject = MigrationPlan.ObjectRef(namespace: sourceRef["namespace"].stringValue ?? kustomizationRef.namespace, name: sourceName)
        guard let gitRepository = try await reading("Flux GitRepository \(sourceRefObject)", {
            try await kube.find(.gitRepositories, sourceRefObject.name, namespace: sourceRefObject.namespace)
        }) else {
            throw DiscoveryError(
                .gitops, "Flux Kustomization \(kustomizationRef) reads GitRepository \(sourceRefObject), which does not exist: check `flux get sources git -A`")
        }
        let url = gitRepository["spec"]["url"].stringValue ?? ""
        let branch = gitRepository["spec"]["ref"]["branch"].stringValue ?? "master"
        notes.add(
            "\(what) carries kustomize.toolkit.fluxcd.io/name=\(name) and /namespace=\(kustomizationRef.namespace): "
                + "Flux Kustomization \(kustomizationRef) applies it from \(path) of GitRepository \(sourceRefObject) (\(url)).",
            at: .section("gitops"))

        let clone = try await locateClone(request: request, url: url, notes: &notes)
        let cloneBranch = try? await GitRepository(directory: clone, runner: connections.runner).currentBranch()
        var branchNote = "the branch Flux reads (GitRepository \(sourceRefObject) spec.ref.branch)."
        if let cloneBranch, cloneBranch != branch {
            branchNote += "\nWARNING: the clone has \(cloneBranch) checked out; ferry commits to \(branch): `git -C \(clone.path) switch \(branch)`."
        }
        notes.add(branchNote, at: .field("gitops", "branch"))

        let relative = ManifestScan.relativePath(path)
        var isDirectory: ObjCBool = false
        let directory = relative.isEmpty ? clone : clone.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DiscoveryError(
                .gitops,
                "Flux Kustomization \(kustomizationRef) applies \(path), which is not a directory in the clone \(clone.path): "
                    + "is it a clone of \(url), and up to date (`git -C \(clone.path) pull`)?")
        }
        let scan = ManifestScan.documents(repository: clone, path: relative)
        for problem in scan.unreadable { notes.add("WARNING: cannot read \(problem)", at: .field("gitops", "files")) }
        return FluxSource(
            kustomization: kustomizationRef, object: kustomization, gitRepository: sourceRefObject, url: url, branch: branch,
            clone: clone, path: relative, scan: scan)
    }

    /// The clone: `--repo`, else the working directory when it is in a clone; its
    /// top-level directory. A clone whose origin is not Flux's URL is used with a warning.
    private func locateClone(request: PlanRequest, url: String, notes: inout PlanNotes) async throws -> URL {
        let candidate = (request.repo ?? request.workingDirectory).standardizedFileURL
        let git = GitRepository(directory: candidate, runner: connections.runner)
        let topLevel: String
        do {
            topLevel = try await git.git(["rev-parse", "--show-toplevel"]).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            if request.repo != nil {
                throw DiscoveryError(.gitops, "--repo \(candidate.path) is not a git clone (\(error)): give the local clone of \(url)")
            }
            throw DiscoveryError(
                .gitops,
                "ferry needs the local clone of \(url) to find the manifests, and the current directory \(candidate.path) is not in a git clone: "
                    + "run ferry plan inside the clone, or pass --repo DIR (to make one: `git clone \(url)`)")
        }
        let top = URL(fileURLWithPath: topLevel, isDirectory: true)
        let clone = top.resolvingSymlinksInPath().path == candidate.resolvingSymlinksInPath().path ? candidate : top
        let how = request.repo != nil ? "the clone given with --repo" : "the clone in the current directory"
        let origin = try? await GitRepository(directory: clone, runner: connections.runner)
            .git(["remote", "get-url", "origin"]).trimmingCharacters(in: .whitespacesAndNewlines)
        if let origin, GitURL.same(origin, url) {
            notes.add("\(how); its origin is \(origin), the GitRepository's spec.url.", at: .field("gitops", "repo"))
        } else {
            notes.add(
                "\(how).\nWARNING: its origin is \(origin ?? "not set"), but Flux reads \(url): make sure this is a clone of the repository Flux reads.",
                at: .field("gitops", "repo"))
        }
        return clone
    }
}
