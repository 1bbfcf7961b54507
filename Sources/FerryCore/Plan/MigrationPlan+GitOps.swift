extension MigrationPlan {
    /// Where the workload's manifests live and which Flux objects apply them.
    public struct GitOps: Sendable, Hashable {
        /// The local clone of the GitOps repository (`~` is expanded when it is used).
        public var repo: String
        /// The branch to commit to and push; nil means the clone's current branch.
        public var branch: String?
        /// The Flux Kustomization that applies the workload; suspended during the move.
        public var kustomization: ObjectRef
        /// The Flux GitRepository it reads; reconciled after the push.
        public var gitRepository: ObjectRef
        /// The manifest files, relative to the repository root, that ferry may edit.
        public var files: [String]

        public init(repo: String, branch: String? = nil, kustomization: ObjectRef, gitRepository: ObjectRef, files: [String]) {
            self.repo = repo
            self.branch = branch
            self.kustomization = kustomization
            self.gitRepository = gitRepository
            self.files = files
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
