/// The kinds the lab serves: what a migration meets, and what `kubectl` needs to
/// resolve the names people type (`po`, `deploy`, `pvc`, `ks`, `hr`).
public enum ResourceCatalog {
    public static let namespaces = ResourceKind(
        group: "", version: "v1", kind: "Namespace", resource: "namespaces", namespaced: false,
        shortNames: ["ns"], subresources: ["status"])
    public static let nodes = ResourceKind(
        group: "", version: "v1", kind: "Node", resource: "nodes", namespaced: false,
        shortNames: ["no"], subresources: ["status"])
    public static let pods = ResourceKind(
        group: "", version: "v1", kind: "Pod", resource: "pods", namespaced: true,
        shortNames: ["po"], categories: ["all"], subresources: ["status", "log"])
    public static let persistentVolumeClaims = ResourceKind(
        group: "", version: "v1", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims",
        namespaced: true, shortNames: ["pvc"], subresources: ["status"])
    public static let persistentVolumes = ResourceKind(
        group: "", version: "v1", kind: "PersistentVolume", resource: "persistentvolumes",
        namespaced: false, shortNames: ["pv"], subresources: ["status"])
    public static let secrets = ResourceKind(
        group: "", version: "v1", kind: "Secret", resource: "secrets", namespaced: true)
    public static let configMaps = ResourceKind(
        group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespaced: true,
        shortNames: ["cm"])
    public static let events = ResourceKind(
        group: "", version: "v1", kind: "Event", resource: "events", namespaced: true, shortNames: ["ev"])
    public static let serviceAccounts = ResourceKind(
        group: "", version: "v1", kind: "ServiceAccount", resource: "serviceaccounts", namespaced: true,
        shortNames: ["sa"])
    public static let services = ResourceKind(
        group: "", version: "v1", kind: "Service", resource: "services", namespaced: true,
        shortNames: ["svc"], categories: ["all"], subresources: ["status", "proxy"])
    public static let deployments = ResourceKind(
        group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true,
        shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"])
    public static let replicaSets = ResourceKind(
        group: "apps", version: "v1", kind: "ReplicaSet", resource: "replicasets", namespaced: true,
        shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"])
    public static let statefulSets = ResourceKind(
        group: "apps", version: "v1", kind: "StatefulSet", resource: "statefulsets", namespaced: true,
        shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"])
    public static let storageClasses = ResourceKind(
        group: "storage.k8s.io", version: "v1", kind: "StorageClass", resource: "storageclasses",
        namespaced: false, shortNames: ["sc"])
    public static let runtimeClasses = ResourceKind(
        group: "node.k8s.io", version: "v1", kind: "RuntimeClass", resource: "runtimeclasses",
        namespaced: false)
    public static let gitRepositories = ResourceKind(
        group: "source.toolkit.fluxcd.io", version: "v1", kind: "GitRepository", resource: "gitrepositories",
        namespaced: true, shortNames: ["gitrepo"], categories: ["fluxcd", "all"], subresources: ["status"],
        supportsStrategicMerge: false)
    public static let kustomizations = ResourceKind(
        group: "kustomize.toolkit.fluxcd.io", version: "v1", kind: "Kustomization", resource: "kustomizations",
        namespaced: true, shortNames: ["ks"], categories: ["fluxcd", "all"], subresources: ["status"],
        supportsStrategicMerge: false)
    /// helm-controller's kind: a chart from a GitRepository path, rendered and applied
    /// as a Helm release (see `HelmReleaseReconciler`).
    public static let helmReleases = ResourceKind(
        group: "helm.toolkit.fluxcd.io", version: "v2", kind: "HelmRelease", resource: "helmreleases",
        namespaced: true, shortNames: ["hr"], categories: ["fluxcd", "all"], subresources: ["status"],
        supportsStrategicMerge: false)

    /// Run-to-completion work and its schedules (backups, maintenance) in homelab trees.
    public static let jobs = ResourceKind(
        group: "batch", version: "v1", kind: "Job", resource: "jobs", namespaced: true,
        categories: ["all"], subresources: ["status"])
    public static let cronJobs = ResourceKind(
        group: "batch", version: "v1", kind: "CronJob", resource: "cronjobs", namespaced: true,
        shortNames: ["cj"], categories: ["all"], subresources: ["status"])
    /// The ready pods behind a Service, which the apiserver's service proxy reaches.
    public static let endpoints = ResourceKind(
        group: "", version: "v1", kind: "Endpoints", resource: "endpoints", namespaced: true, shortNames: ["ep"])
    public static let endpointSlices = ResourceKind(
        group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", resource: "endpointslices", namespaced: true)

    /// Leader election's lock, and ferry's: one migration of a workload at a time.
    public static let leases = ResourceKind(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", resource: "leases", namespaced: true)

    public static let customResourceDefinitions = ResourceKind(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
        resource: "customresourcedefinitions", namespaced: false, shortNames: ["crd", "crds"],
        categories: ["api-extensions"], subresources: ["status"])

    public static let ingresses = ResourceKind(
        group: "networking.k8s.io", version: "v1", kind: "Ingress", resource: "ingresses", namespaced: true,
        shortNames: ["ing"], subresources: ["status"])
    public static let ingressClasses = ResourceKind(
        group: "networking.k8s.io", version: "v1", kind: "IngressClass", resource: "ingressclasses", namespaced: false)

    public static let roles = ResourceKind(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", resource: "roles", namespaced: true)
    public static let roleBindings = ResourceKind(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", resource: "rolebindings",
        namespaced: true)
    public static let clusterRoles = ResourceKind(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", resource: "clusterroles",
        namespaced: false)
    public static let clusterRoleBindings = ResourceKind(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding",
        resource: "clusterrolebindings", namespaced: false)

    public static let all: [ResourceKind] = [
        namespaces, nodes, pods, persistentVolumeClaims, persistentVolumes, secrets, configMaps, events,
        serviceAccounts, services, deployments, replicaSets, statefulSets, storageClasses, runtimeClasses,
        gitRepositories, kustomizations, helmReleases, leases,
        jobs,
        cronJobs,
        endpoints,
        endpointSlices,
        customResourceDefinitions,
        ingresses, ingressClasses,
        roles, roleBindings, clusterRoles, clusterRoleBindings,
    ]

    /// Every kind served right now: the built-in ones, then the custom resources of
    /// the CustomResourceDefinitions in `store`. The stored CRDs are the registry: a
    /// CRD created is served on the next request, a CRD deleted no longer is. A CRD
    /// for a kind the lab has built in (Flux's, as `gotk-components.yaml` brings
    /// them) is stored, and the built-in kind keeps serving.
    public static func served(by store: ObjectStore) async -> [ResourceKind] {
        let custom = (await store.list(customResourceDefinitions)).compactMap(ResourceKind.init(definition:))
        return all + custom.filter { !isBuiltIn($0) }
    }

    /// Whether the lab serves `kind`'s group and resource itself, whatever its CRDs say.
    public static func isBuiltIn(_ kind: ResourceKind) -> Bool {
        all.contains { $0.group == kind.group && $0.resource == kind.resource }
    }

    /// The built-in kind served at `group`/`version`/`resource`, if any.
    public static func kind(group: String, version: String, resource: String) -> ResourceKind? {
        all.first { $0.group == group && $0.version == version && $0.resource == resource }
    }

    /// The built-in kind of `apiVersion` and `kind`, if any.
    public static func kind(apiVersion: String, kind: String) -> ResourceKind? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// The kind of `apiVersion` and `kind`, built-in or custom, served by `store` now.
    public static func kind(apiVersion: String, kind: String, in store: ObjectStore) async -> ResourceKind? {
        if let builtIn = self.kind(apiVersion: apiVersion, kind: kind) { return builtIn }
        return await served(by: store).first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
