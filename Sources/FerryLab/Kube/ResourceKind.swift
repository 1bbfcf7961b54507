/// One kind of object the lab's Kubernetes API serves: where it lives in the URL
/// space, how discovery describes it, and which of its parts have their own
/// endpoints. The built-in kinds are `ResourceCatalog`; custom resources come and
/// go with their CustomResourceDefinitions (`ResourceCatalog.served(by:)`).
///
/// A kind is identified by group, version and resource alone: a CRD changed to add a
/// short name or a printer column still addresses the objects stored under it.
public struct ResourceKind: Sendable, Hashable {
    /// API group; "" is the core group served under `/api`.
    public var group: String
    public var version: String
    public var kind: String
    /// The plural used in URLs (`pods`, `deployments`).
    public var resource: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    /// Subresources with their own endpoints (`status`, `scale`, `log`).
    public var subresources: Set<String>
    /// Whether strategic-merge patches apply (built-in kinds) or are refused (custom resources).
    public var supportsStrategicMerge: Bool
    /// A custom resource's `additionalPrinterColumns` (empty for built-in kinds, printed by `TableConverter`).
    public var printerColumns: [PrinterColumn] = []

    /// One of a CRD version's `additionalPrinterColumns`.
    public struct PrinterColumn: Sendable, Hashable {
        public var name: String
        public var type: String
        public var jsonPath: String
        public var description: String
        public var priority: Int64
    }

    public init(
        group: String, version: String, kind: String, resource: String, namespaced: Bool,
        shortNames: [String] = [], categories: [String] = [], subresources: Set<String> = [],
        supportsStrategicMerge: Bool = true
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.resource = resource
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
        self.supportsStrategicMerge = supportsStrategicMerge
    }

    public static func == (a: ResourceKind, b: ResourceKind) -> Bool {
        a.group == b.group && a.version == b.version && a.resource == b.resource
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(version)
        hasher.combine(resource)
    }

    /// `v1` for the core group, `apps/v1` otherwise, as written in `apiVersion`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `pods` or `deployments.apps`, the name Kubernetes uses in error messages.
    public var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// Whether a change to anything but metadata and status bumps `metadata.generation`.
    public var tracksGeneration: Bool { subresources.contains("status") && kind != "Pod" && kind != "Node" }
}
