import Foundation
import FerryJSON

/// What the apiserver does to a user's request before storing it: defaulting,
/// validation, and the admission plugins a K3s cluster runs (NamespaceLifecycle,
/// DefaultStorageClass, StorageObjectInUseProtection). Errors carry the apiserver's
/// wording, so that a user of the lab meets the same messages as on a real cluster.
struct Admission {
    let store: ObjectStore

    func create(_ input: JSON, kind: ResourceKind, namespace: String) async throws(APIError) -> JSON {
        var object = input
        guard object.objectValue != nil else { throw .badRequest("the body of the request must be a JSON object") }
        if let apiVersion = object["apiVersion"].stringValue, apiVersion != kind.apiVersion
            || object["kind"].stringValue != kind.kind
        {
            throw .badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(kind.apiVersion))")
        }
        object["apiVersion"] = .string(kind.apiVersion)
        object["kind"] = .string(kind.kind)
        if kind.namespaced {
            if !object.namespace.isEmpty, object.namespace != namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object[path: ["metadata", "namespace"]] = .string(namespace)
            try await requireLiveNamespace(namespace)
        } else {
            object[path: ["metadata", "namespace"]] = nil
        }
        if object.name.isEmpty {
            guard let prefix = object["metadata"]["generateName"].stringValue, !prefix.isEmpty else {
                throw .invalid(kind, "", field: "metadata.name", "Required value: name or generateName is required")
            }
            object[path: ["metadata", "name"]] = .string(prefix + RandomName.suffix(length: 5))
        }
        if let problem = NameValidation.problem(with: object.name, for: kind) {
            throw .invalid(kind, object.name, field: "metadata.name", "Invalid value: \"\(object.name)\": \(problem)")
        }
        for field in ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"] {
            object[path: ["metadata", field]] = nil
        }
        if kind.subresources.contains("status"), kind != ResourceCatalog.nodes { object.removeValue(forKey: "status") }
        try await applyDefaults(&object, kind: kind)
        try validate(object, kind: kind)
        return object
    }

    func update(_ input: JSON, old: JSON, kind: ResourceKind, subresource: String?) throws(APIError) -> JSON {
        var object = input
        guard object.objectValue != nil else { throw .badRequest("the body of the request must be a JSON object") }
        object["apiVersion"] = .string(kind.apiVersion)
        object["kind"] = .string(kind.kind)
        if subresource == nil {
            try validate(object, kind: kind)
            try checkImmutable(object, old: old, kind: kind)
        }
        if old.isDeleting {
            let added = object.finalizers.filter { !old.finalizers.contains($0) }
            if !added.isEmpty {
                let list = added.map { "\"\($0)\"" }.joined(separator: ", ")
                throw .invalid(
                    kind, object.name, field: "metadata.finalizers",
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\(list)}")
            }
        }
        return object
    }

    // MARK: Defaults

    private func applyDefaults(_ object: inout JSON, kind: ResourceKind) async throws(APIError) {
        switch kind {
        case ResourceCatalog.namespaces:
            object.labels["kubernetes.io/metadata.name"] = object.name
            object[path: ["spec", "finalizers"]] = ["kubernetes"]
            object["status"] = ["phase": "Active"]
        case ResourceCatalog.pods:
            PodDefaults.apply(to: &object)
            try await checkRuntimeClass(object)
        case ResourceCatalog.persistentVolumeClaims:
            if object["spec"]["storageClassName"] == .null,
                let defaultClass = await defaultStorageClass()
            {
                object[path: ["spec", "storageClassName"]] = .string(defaultClass)
            }
            if object["spec"]["volumeMode"] == .null { object[path: ["spec", "volumeMode"]] = "Filesystem" }
            object.finalizers = Array(Set(object.finalizers + ["kubernetes.io/pvc-protection"])).sorted()
            object["status"] = ["phase": "Pending"]
        case ResourceCatalog.persistentVolumes:
            if object["spec"]["persistentVolumeReclaimPolicy"] == .null {
                object[path: ["spec", "persistentVolumeReclaimPolicy"]] = "Retain"
            }
            if object["spec"]["volumeMode"] == .null { object[path: ["spec", "volumeMode"]] = "Filesystem" }
            object.finalizers = Array(Set(object.finalizers + ["kubernetes.io/pv-protection"])).sorted()
            object["status"] = ["phase": "Pending"]
        case ResourceCatalog.deployments:
            if object["spec"]["replicas"] == .null { object[path: ["spec", "replicas"]] = 1 }
            if object["spec"]["strategy"] == .null {
                object[path: ["spec", "strategy"]] = [
                    "type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"],
                ]
            }
            if object["spec"]["revisionHistoryLimit"] == .null { object[path: ["spec", "revisionHistoryLimit"]] = 10 }
            if object["spec"]["progressDeadlineSeconds"] == .null {
                object[path: ["spec", "progressDeadlineSeconds"]] = 600
            }
            PodDefaults.apply(toTemplateOf: &object)
        case ResourceCatalog.statefulSets:
            if object["spec"]["replicas"] == .null { object[path: ["spec", "replicas"]] = 1 }
            if object["spec"]["podManagementPolicy"] == .null {
                object[path: ["spec", "podManagementPolicy"]] = "OrderedReady"
            }
            if object["spec"]["updateStrategy"] == .null {
                object[path: ["spec", "updateStrategy"]] = ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]]
            }
            PodDefaults.apply(toTemplateOf: &object)
        case ResourceCatalog.secrets:
            if object["type"] == .null { object["type"] = "Opaque" }
            if let stringData = object["stringData"].objectValue {
                for (key, value) in stringData {
                    object[path: ["data", key]] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
                }
                object.removeValue(forKey: "stringData")
            }
        case ResourceCatalog.events:
            if object["count"] == .null { object["count"] = 1 }
        case ResourceCatalog.jobs:
            Self.defaultJob(&object)
        case ResourceCatalog.cronJobs:
            Self.defaultCronJob(&object)
        default:
            break
        }
    }

    // MARK: Validation

    private func validate(_ object: JSON, kind: ResourceKind) throws(APIError) {
        switch kind {
        case ResourceCatalog.deployments, ResourceCatalog.statefulSets:
            if let replicas = object["spec"]["replicas"].intValue, replicas < 0 {
                throw .invalid(
                    kind, object.name, field: "spec.replicas",
                    "Invalid value: \(replicas): must be greater than or equal to 0")
            }
            guard object["spec"]["selector"] != .null else {
                throw .invalid(kind, object.name, field: "spec.selector", "Required value")
            }
            let selector: LabelSelector
            do { selector = try LabelSelector(json: object["spec"]["selector"]) } catch {
                throw .invalid(kind, object.name, field: "spec.selector", "Invalid value: \(error.message)")
            }
            let templateLabels = object["spec"]["template"].labels
            if selector.isEverything || !selector.matches(templateLabels) {
                let shown = templateLabels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
                    .joined(separator: ", ")
                throw .invalid(
                    kind, object.name, field: "spec.template.metadata.labels",
                    "Invalid value: map[string]string{\(shown)}: `selector` does not match template `labels`")
            }
        case ResourceCatalog.pods:
            if (object["spec"]["containers"].arrayValue ?? []).isEmpty {
                throw .invalid(kind, object.name, field: "spec.containers", "Required value")
            }
        case ResourceCatalog.jobs:
            try Self.validateJob(object, kind: kind)
        case ResourceCatalog.cronJobs:
            try Self.validateCronJob(object)
        default:
            break
        }
    }

    /// The immutable fields a migration runs into: a PV's node affinity
    /// (kubernetes#69528), a bound claim's spec, a pod's spec and node, a
    /// Deployment's selector.
    private func checkImmutable(_ object: JSON, old: JSON, kind: ResourceKind) throws(APIError) {
        func immutable(_ path: [String], _ field: String) throws(APIError) {
            let before = old[path: path]
            if before != nil, before != .null, object[path: path] != before {
                throw .invalid(
                    kind, object.name, field: field,
                    "Invalid value: \((object[path: path] ?? .null).serialized): field is immutable")
            }
        }
        switch kind {
        case ResourceCatalog.persistentVolumes:
            try immutable(["spec", "nodeAffinity"], "spec.nodeAffinity")
        case ResourceCatalog.persistentVolumeClaims:
            var a = old["spec"]
            var b = object["spec"]
            a.removeValue(forKey: "resources")
            b.removeValue(forKey: "resources")
            if old["spec"]["volumeName"] == .null { a.removeValue(forKey: "volumeName"); b.removeValue(forKey: "volumeName") }
            if a != b {
                throw .invalid(
                    kind, object.name, field: "spec",
                    "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")
            }
        case ResourceCatalog.pods:
            try immutable(["spec", "nodeName"], "spec.nodeName")
            let a = Self.mutablePodFieldsRemoved(old["spec"])
            let b = Self.mutablePodFieldsRemoved(object["spec"])
            if a != b {
                throw .invalid(
                    kind, object.name, field: "spec",
                    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                        + "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` "
                        + "(only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`")
            }
        case ResourceCatalog.deployments, ResourceCatalog.statefulSets:
            try immutable(["spec", "selector"], "spec.selector")
        case ResourceCatalog.jobs:
            try immutable(["spec", "selector"], "spec.selector")
            try immutable(["spec", "completions"], "spec.completions")
            if old["spec"]["suspend"].boolValue != true { try immutable(["spec", "template"], "spec.template") }
        default:
            break
        }
    }

    private static func mutablePodFieldsRemoved(_ spec: JSON) -> JSON {
        var spec = spec
        for key in ["containers", "initContainers"] {
            guard let containers = spec[key].arrayValue else { continue }
            spec[key] = .array(containers.map { var c = $0; c.removeValue(forKey: "image"); return c })
        }
        for key in ["nodeName", "activeDeadlineSeconds", "terminationGracePeriodSeconds", "tolerations"] {
            spec.removeValue(forKey: key)
        }
        return spec
    }

    // MARK: Lookups

    private func requireLiveNamespace(_ namespace: String) async throws(APIError) {
        guard let ns = await store.find(ObjectKey(ResourceCatalog.namespaces, name: namespace)) else {
            throw .notFound(ResourceCatalog.namespaces, namespace)
        }
        if ns.isDeleting {
            throw APIError(
                code: 403, reason: "Forbidden",
                message: "unable to create new content in namespace \(namespace) because it is being terminated")
        }
    }

    private func defaultStorageClass() async -> String? {
        await store.list(ResourceCatalog.storageClasses).first {
            $0.annotations["storageclass.kubernetes.io/is-default-class"] == "true"
        }?.name
    }

    /// The RuntimeClass admission plugin rejects a pod naming a RuntimeClass that does not exist.
    private func checkRuntimeClass(_ pod: JSON) async throws(APIError) {
        guard let name = pod["spec"]["runtimeClassName"].stringValue else { return }
        if await store.find(ObjectKey(ResourceCatalog.runtimeClasses, name: name)) == nil {
            throw APIError(
                code: 403, reason: "Forbidden",
                message: "pods \"\(pod.name)\" is forbidden: pod rejected: RuntimeClass \"\(name)\" not found",
                details: APIError.details(ResourceCatalog.pods, pod.name))
        }
    }
}
