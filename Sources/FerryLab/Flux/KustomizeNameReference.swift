import FerryJSON
import Foundation

/// kustomize's `nameReference` transformer configuration: where objects name an object
/// of `kind`. The lab rewrites only references to a generated ConfigMap or Secret (the
/// only names its kustomize changes), and only when the referrer is in the same
/// namespace and names the generator's name: `frigate-values` becomes
/// `frigate-values-<hash>`. The built-in entries are kustomize's for pod templates;
/// a kustomization's `configurations:` files add more (for a HelmRelease's `valuesFrom`).
struct KustomizeNameReference: Equatable {
    /// Where a referrer of `kind` (any kind when nil) holds the name.
    struct FieldSpec: Equatable {
        var kind: String?
        var group: String?
        var version: String?
        /// Field names; a list on the way is walked element by element.
        var path: [String]
    }

    /// The kind referenced: `ConfigMap`, `Secret`.
    var kind: String
    var fieldSpecs: [FieldSpec]

    static let builtIn: [KustomizeNameReference] = {
        let pods: [(kinds: [String], spec: String)] = [
            (["Pod"], "spec"),
            (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"], "spec/template/spec"),
            (["CronJob"], "spec/jobTemplate/spec/template/spec"),
        ]
        func specs(_ paths: [String]) -> [FieldSpec] {
            pods.flatMap { pod in
                pod.kinds.flatMap { kind in
                    paths.map { FieldSpec(kind: kind, path: (pod.spec + "/" + $0).split(separator: "/").map(String.init)) }
                }
            }
        }
        let containers = ["containers", "initContainers"]
        return [
            KustomizeNameReference(kind: "ConfigMap", fieldSpecs: specs(
                ["volumes/configMap/name", "volumes/projected/sources/configMap/name"]
                    + containers.flatMap { ["\($0)/env/valueFrom/configMapKeyRef/name", "\($0)/envFrom/configMapRef/name"] })),
            KustomizeNameReference(kind: "Secret", fieldSpecs: specs(
                ["volumes/secret/secretName", "volumes/projected/sources/secret/name", "imagePullSecrets/name"]
                    + containers.flatMap { ["\($0)/env/valueFrom/secretKeyRef/name", "\($0)/envFrom/secretRef/name"] })),
        ]
    }()

    /// The `nameReference` entries of a configurations file; any other transformer
    /// configuration (namePrefix, varReference, commonLabels, images…) is refused.
    static func parse(_ configuration: JSON, file: String) throws(KustomizeBuild.BuildError) -> [KustomizeNameReference] {
        guard let fields = configuration.objectValue else {
            throw .init(description: "\(file): a configurations file must be a map")
        }
        if let field = fields.keys.sorted().first(where: { $0 != "nameReference" }) {
            throw .init(description: "\(file): the lab's kustomize supports only nameReference in configurations, not \(field)")
        }
        var result: [KustomizeNameReference] = []
        for (index, entry) in (configuration["nameReference"].arrayValue ?? []).enumerated() {
            let context = "\(file): nameReference[\(index)]"
            try refuseUnknown(entry, allowed: ["kind", "group", "version", "fieldSpecs"], context: context)
            guard let kind = entry["kind"].stringValue, !kind.isEmpty else { throw .init(description: "\(context): kind is required") }
            var specs: [FieldSpec] = []
            for (number, spec) in (entry["fieldSpecs"].arrayValue ?? []).enumerated() {
                let where_ = "\(context).fieldSpecs[\(number)]"
                try refuseUnknown(spec, allowed: ["path", "kind", "group", "version", "create"], context: where_)
                guard let path = spec["path"].stringValue, !path.isEmpty else { throw .init(description: "\(where_): path is required") }
                specs.append(FieldSpec(
                    kind: spec["kind"].stringValue, group: spec["group"].stringValue, version: spec["version"].stringValue,
                    path: try fieldPath(path, context: where_)))
            }
            result.append(KustomizeNameReference(kind: kind, fieldSpecs: specs))
        }
        return result
    }

    private static func refuseUnknown(_ entry: JSON, allowed: Set<String>, context: String) throws(KustomizeBuild.BuildError) {
        guard let fields = entry.objectValue else { throw .init(description: "\(context) is not a map") }
        if let field = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .init(description: "\(context): field '\(field)' is not supported by the lab's kustomize")
        }
    }

    /// `spec/valuesFrom/name`; `valuesFrom[]` is the same as `valuesFrom`; list
    /// selectors (`containers[name=x]`) and escaped slashes are refused.
    private static func fieldPath(_ path: String, context: String) throws(KustomizeBuild.BuildError) -> [String] {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            let segment = raw.hasSuffix("[]") ? String(raw.dropLast(2)) : String(raw)
            guard !segment.isEmpty, !segment.contains("["), !segment.contains("\\") else {
                throw .init(description: "\(context): path '\(path)': list selectors and escapes are not supported by the lab's kustomize")
            }
            segments.append(segment)
        }
        return segments
    }
}
