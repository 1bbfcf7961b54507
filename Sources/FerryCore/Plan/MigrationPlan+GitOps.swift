import Foundation

extension MigrationPlan {
    /// Where the workload's manifests live and which GitOps controller applies them.
    public struct GitOps: Sendable, Hashable {
        /// The local clone as the plan file says it (`~/homelab-gitops`, `../gitops`):
        /// what `MigrationPlan.yaml` writes back, so that a plan kept in Git stays valid
        /// for another user, machine or checkout.
        public var repo: String
        /// Where the clone is: `repo` with a leading `~` expanded to the home directory
        /// and a relative path taken from the plan file's directory, as docs/PLAN.md says.
        /// `PlanParser.parse(_:file:directory:home:)` sets it; it is relative to the
        /// working directory only when the plan file's own path was.
        public var repoDirectory: String
        /// The branch to commit to and push; nil means the clone's current branch, which
        /// only git can tell at run time (`GitRepository.currentBranch()`), so the plan
        /// keeps "current" rather than a name guessed when it was read.
        public var branch: String?
        /// What applies the workload from Git, and so what ferry pauses and waits for.
        public var controller: Controller
        /// The Flux Kustomization that applies the workload's manifests; with a
        /// HelmRelease, the one that applies the HelmRelease and its values from Git.
        public var kustomization: ObjectRef
        /// The Flux HelmRelease that renders the workload from its chart and values;
        /// set when `controller` is `.fluxHelmRelease`.
        public var helmRelease: ObjectRef?
        /// How the controller is kept off what ferry changes while the move is under way.
        public var pause: Pause
        /// The Flux GitRepository it reads; reconciled after the push.
        public var gitRepository: ObjectRef
        /// The manifest files, relative to the repository root, that ferry may edit.
        public var files: [String]

        /// `repoDirectory` defaults to `repo` resolved against the working directory and
        /// the current user's home, as for a plan file named without a directory.
        /// A `helmRelease` makes the controller `.fluxHelmRelease`, paused at the release.
        public init(
            repo: String, branch: String? = nil, kustomization: ObjectRef, helmRelease: ObjectRef? = nil, pause: Pause? = nil,
            gitRepository: ObjectRef, files: [String], repoDirectory: String? = nil
        ) {
            self.repo = repo
            self.repoDirectory = repoDirectory ?? Self.resolve(repo: repo, directory: "", home: Self.currentHome)
            self.branch = branch
            self.controller = helmRelease == nil ? .fluxKustomization : .fluxHelmRelease
            self.kustomization = kustomization
            self.helmRelease = helmRelease
            self.pause = pause ?? (helmRelease == nil ? .kustomization : .helmRelease)
            self.gitRepository = gitRepository
            self.files = files
        }

        /// `~` and `~/...` are the home directory; an absolute path stays; a relative path
        /// is taken from `directory` (the plan file's; empty for the working directory).
        /// `~user/...` is not expanded: the parser reports it.
        public static func resolve(repo: String, directory: String, home: String) -> String {
            if repo == "~" { return home }
            if repo.hasPrefix("~/") { return join(home, String(repo.dropFirst(2))) }
            if repo.hasPrefix("/") || directory.isEmpty { return repo }
            return join(directory, repo)
        }

        /// The home directory `~` means when the caller names none.
        public static var currentHome: String { FileManager.default.homeDirectoryForCurrentUser.path }

        private static func join(_ directory: String, _ path: String) -> String {
            guard !path.isEmpty else { return directory }
            return directory.hasSuffix("/") ? directory + path : directory + "/" + path
        }
    }

    /// `namespace/name` of a namespaced object; the namespace defaults to `flux-system`.
    public struct ObjectRef: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var name: String

        public init(namespace: String = "flux-system", name: String) {
            self.namespace = namespace
            self.name = name
        }

        public var description: String { "\(namespace)/\(name)" }
    }

    /// One edit to one manifest, applied in the order written, keeping the file's
    /// comments and layout.
    ///
    /// `path` is the field's path inside the document: mapping keys by name (a key may
    /// contain dots or slashes: `kubernetes.io/hostname`), sequence items by index or,
    /// for lists of named items such as containers, by `name=VALUE`.
    public struct ManifestChange: Sendable, Hashable {
        public var file: String
        /// Which document of a multi-document file (`kind/name`); nil when the file has one.
        public var document: String?
        public var path: [String]
        public var edit: Edit

        public init(file: String, document: String? = nil, path: [String], edit: Edit) {
            self.file = file
            self.document = document
            self.path = path
            self.edit = edit
        }

        public enum Edit: Sendable, Hashable {
            /// Set the field to a scalar, creating it if needed.
            case set(String)
            /// Remove the field.
            case remove
            /// Replace text inside a string field (an embedded config such as a
            /// ConfigMap's `config.yml`); the text must occur.
            case replace(from: String, to: String)
        }
    }

    /// A driver or package the target VM needs: `check` exits 0 when it is present,
    /// `install` is run (in the VM, as root) when it is not.
    public struct Driver: Sendable, Hashable {
        public var name: String
        public var check: String
        public var install: String?

        public init(name: String, check: String, install: String? = nil) {
            self.name = name
            self.check = check
            self.install = install
        }
    }
}

extension MigrationPlan.GitOps {
    /// The kinds of GitOps controller ferry can pause, wait for and edit the
    /// manifests of (`GitOpsController`); the plan's `gitops.controller`.
    public enum Controller: String, Sendable, Hashable, CaseIterable {
        /// A Flux Kustomization applies the workload's manifests as they are in Git.
        case fluxKustomization = "flux-kustomization"
        /// A Flux HelmRelease renders the workload from a chart and the values in Git;
        /// ferry edits the values, never the chart.
        case fluxHelmRelease = "flux-helmrelease"
    }

    /// The grain at which Flux is paused for the move.
    ///
    /// Suspending a Kustomization freezes everything it applies: fine for one that
    /// applies only this app, but a root `flux-system` (as `flux bootstrap` lays a
    /// repository out) applies every app, and their GitOps would stop for as long as the
    /// move takes. Marking the objects ferry changes with
    /// `kustomize.toolkit.fluxcd.io/reconcile: disabled` makes Flux skip only those
    /// (neither applied nor pruned, as Flux documents) while it keeps applying the rest.
    public enum Pause: String, Sendable, Hashable, CaseIterable {
        /// `spec.suspend: true` on the Kustomization.
        case kustomization
        /// The reconcile-disabled mark on the workload, its moved claims and the jobs
        /// paused beside it; the Kustomization keeps reconciling.
        case objects
        /// `spec.suspend: true` on the HelmRelease: helm-controller neither upgrades
        /// the release nor corrects drift, while the Kustomization that applies the
        /// HelmRelease, and every other app, keep reconciling. The reconcile-disabled
        /// mark means nothing to helm-controller.
        case helmRelease
    }
}
