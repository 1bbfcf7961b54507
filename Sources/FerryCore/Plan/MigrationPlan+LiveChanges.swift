import FerryGitOps
import FerryKube

extension MigrationPlan {
    /// An edit to a live object in the workload's namespace, for a workload that no
    /// GitOps tool applies (`kubectl apply`, `helm install` by hand): with nothing to
    /// put it back, ferry edits the object in the cluster itself, and rollback puts
    /// back what it found.
    public struct LiveChange: Sendable, Hashable {
        public var object: LiveObject
        public var path: [String]
        public var edit: ManifestChange.Edit

        public init(object: LiveObject, path: [String], edit: ManifestChange.Edit) {
            self.object = object
            self.path = path
            self.edit = edit
        }
    }

    /// `KIND/NAME` of an object ferry may edit live: the kinds whose fields tie a
    /// workload to its node.
    public struct LiveObject: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case deployment = "Deployment"
            case statefulSet = "StatefulSet"
            case cronJob = "CronJob"
            case configMap = "ConfigMap"

            public var resourceType: ResourceType {
                switch self {
                case .deployment: .deployments
                case .statefulSet: .statefulSets
                case .cronJob: .cronJobs
                case .configMap: .configMaps
                }
            }
        }

        public var kind: Kind
        public var name: String

        public init(kind: Kind, name: String) {
            self.kind = kind
            self.name = name
        }

        /// `Deployment/frigate`, read as a manifest change's `document`; the kind in any
        /// case, as kubectl takes it.
        public init?(parsing text: String) {
            guard let selector = DocumentSelector(parsing: text),
                let kind = Kind.allCases.first(where: { $0.rawValue.lowercased() == selector.kind.lowercased() })
            else { return nil }
            self.init(kind: kind, name: selector.name)
        }

        public var description: String { "\(kind.rawValue)/\(name)" }
    }
}
