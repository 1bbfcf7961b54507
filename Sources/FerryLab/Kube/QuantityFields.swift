import FerryJSON

/// The fields whose values are `resource.Quantity` in the Kubernetes API. A real
/// apiserver decodes `nvidia.com/gpu: 1` into a Quantity and encodes it back as the
/// string `"1"`; strict clients (the official Python client's models, client-go's
/// typed structs) expect strings there. The lab stores what admission writes, so
/// admission turns numbers into strings in these fields.
enum QuantityFields {
    /// Rewrites every number in the Quantity fields of `object` (a built-in kind;
    /// custom resources keep what their schema says) as a quantity string.
    static func normalize(_ object: inout JSON, kind: ResourceKind) {
        guard kind.supportsStrategicMerge else { return }
        switch kind {
        case ResourceCatalog.pods:
            normalizePodSpec(&object, at: ["spec"])
        case ResourceCatalog.persistentVolumeClaims:
            normalizeMaps(&object, at: [["spec", "resources", "requests"], ["spec", "resources", "limits"],
                                        ["status", "capacity"], ["status", "allocatedResources"]])
        case ResourceCatalog.persistentVolumes:
            normalizeMaps(&object, at: [["spec", "capacity"]])
        case ResourceCatalog.nodes:
            normalizeMaps(&object, at: [["status", "capacity"], ["status", "allocatable"]])
        default:
            break
        }
        // Pod templates, wherever a workload kind keeps one (Deployment, StatefulSet,
        // ReplicaSet, Job: spec.template; CronJob: spec.jobTemplate.spec.template).
        if object[path: ["spec", "template", "spec"]] != nil { normalizePodSpec(&object, at: ["spec", "template", "spec"]) }
        if object[path: ["spec", "jobTemplate", "spec", "template", "spec"]] != nil {
            normalizePodSpec(&object, at: ["spec", "jobTemplate", "spec", "template", "spec"])
        }
        if var claims = object[path: ["spec", "volumeClaimTemplates"]]?.arrayValue {
            for index in claims.indices {
                normalizeMaps(&claims[index], at: [["spec", "resources", "requests"], ["spec", "resources", "limits"]])
            }
            object[path: ["spec", "volumeClaimTemplates"]] = .array(claims)
        }
    }

    private static func normalizePodSpec(_ object: inout JSON, at path: [String]) {
        guard var spec = object[path: path] else { return }
        for list in ["containers", "initContainers"] {
            guard var containers = spec[list].arrayValue else { continue }
            for index in containers.indices {
                normalizeMaps(&containers[index], at: [["resources", "limits"], ["resources", "requests"]])
            }
            spec[list] = .array(containers)
        }
        normalizeMaps(&spec, at: [["overhead"]])
        object[path: path] = spec
    }

    private static func normalizeMaps(_ object: inout JSON, at paths: [[String]]) {
        for path in paths {
            guard let map = object[path: path]?.objectValue else { continue }
            object[path: path] = .object(map.mapValues { value in
                value.doubleValue == nil ? value : .string(string(value))
            })
        }
    }

    /// A number in the canonical form the apiserver prints it: `1`, `500m`, `1500m`.
    static func string(_ number: JSON) -> String {
        if let whole = number.intValue { return String(whole) }
        guard let value = number.doubleValue else { return number.serialized }
        for (factor, suffix) in [(1e3, "m"), (1e6, "u"), (1e9, "n")] {
            let scaled = (value * factor).rounded()
            if abs(scaled - value * factor) < 1e-6 { return "\(Int64(scaled))\(suffix)" }
        }
        return String(value)
    }
}
