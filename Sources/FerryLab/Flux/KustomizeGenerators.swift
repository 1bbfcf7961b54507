import FerryJSON
import Foundation

/// One object of a build. `generatorName` is set on a ConfigMap or Secret that a
/// generator named with a hash suffix: references to that name are rewritten to the
/// object's name (see `KustomizeNameReference`).
struct KustomizeResource {
    var object: JSON
    var generatorName: String? = nil
}

/// kustomize's `configMapGenerator` and `secretGenerator` (with `generatorOptions`):
/// entries with `name`, `namespace`, `behavior: create`, `files`, `literals`, `envs`,
/// `options` (and a Secret's `type`), read from files beside the kustomization.yaml.
extension KustomizeBuild {
    static let generatorFields: Set<String> = ["name", "namespace", "behavior", "files", "literals", "envs", "options"]

    /// The objects of the kustomization's generators, ConfigMaps then Secrets, in order.
    func generatorObjects(_ kustomization: JSON, in directory: URL, file: URL) throws(BuildError) -> [KustomizeResource] {
        let global = try GeneratorOptions(kustomization["generatorOptions"], context: "\(relative(file)): generatorOptions")
        var result: [KustomizeResource] = []
        for (field, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] where kustomization[field] != .null {
            guard let entries = kustomization[field].arrayValue else {
                throw BuildError(description: "\(relative(file)): \(field) is not a list")
            }
            for (index, entry) in entries.enumerated() {
                let context = "\(relative(file)): \(field)[\(index)]"
                result.append(try generate(kind, entry, context: context, directory: directory, global: global,
                                           namespace: kustomization["namespace"].stringValue))
            }
        }
        return result
    }

    private func generate(
        _ kind: String, _ entry: JSON, context: String, directory: URL, global: GeneratorOptions, namespace: String?
    ) throws(BuildError) -> KustomizeResource {
        guard let fields = entry.objectValue else { throw BuildError(description: "\(context) is not a map") }
        let allowed = kind == "Secret" ? Self.generatorFields.union(["type"]) : Self.generatorFields
        if let field = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw BuildError(description: "\(context): field '\(field)' of a generator is not supported by the lab's kustomize")
        }
        guard let name = entry["name"].stringValue, !name.isEmpty else {
            throw BuildError(description: "\(context): a generator needs a name")
        }
        let behavior = entry["behavior"].stringValue ?? "create"
        guard behavior == "create" else {
            throw BuildError(description: "\(context) (\(name)): behavior '\(behavior)' is not supported by the lab's kustomize (only create)")
        }
        let options = try GeneratorOptions(entry["options"], context: "\(context) (\(name)): options").merging(global)
        let sources = KustomizeDataSources(build: self, directory: directory, context: "\(context) (\(name))")
        let entries = try sources.entries(literals: entry["literals"], files: entry["files"], envs: entry["envs"])

        var object: JSON = ["apiVersion": "v1", "kind": .string(kind), "metadata": ["name": .string(name)]]
        if let namespace = entry["namespace"].stringValue ?? namespace, !namespace.isEmpty {
            object[path: ["metadata", "namespace"]] = .string(namespace)
        }
        if !options.labels.isEmpty { object[path: ["metadata", "labels"]] = .object(options.labels) }
        if !options.annotations.isEmpty { object[path: ["metadata", "annotations"]] = .object(options.annotations) }
        var data: [String: JSON] = [:]
        var binaryData: [String: JSON] = [:]
        for (key, bytes) in entries {
            if kind == "ConfigMap", let text = String(data: bytes, encoding: .utf8) {
                data[key] = .string(text)
            } else if kind == "ConfigMap" {
                binaryData[key] = .string(bytes.base64EncodedString())
            } else {
                data[key] = .string(bytes.base64EncodedString())
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !binaryData.isEmpty { object["binaryData"] = .object(binaryData) }
        if kind == "Secret" { object["type"] = .string(entry["type"].stringValue ?? "Opaque") }
        if options.immutable { object["immutable"] = true }
        guard !options.disableNameSuffixHash else { return KustomizeResource(object: object) }
        object[path: ["metadata", "name"]] = .string("\(name)-\(KustomizeHasher.suffix(of: object))")
        return KustomizeResource(object: object, generatorName: name)
    }
}

/// `generatorOptions` and a generator's `options`.
struct GeneratorOptions {
    static let fields: Set<String> = ["disableNameSuffixHash", "labels", "annotations", "immutable"]

    var disableNameSuffixHash = false
    var immutable = false
    var labels: [String: JSON] = [:]
    var annotations: [String: JSON] = [:]

    init(_ options: JSON, context: String) throws(KustomizeBuild.BuildError) {
        guard options != .null else { return }
        guard let fields = options.objectValue else { throw .init(description: "\(context) is not a map") }
        if let field = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw .init(description: "\(context): '\(field)' is not supported by the lab's kustomize")
        }
        disableNameSuffixHash = options["disableNameSuffixHash"].boolValue ?? false
        immutable = options["immutable"].boolValue ?? false
        for (field, value) in [("labels", options["labels"]), ("annotations", options["annotations"])] where value != .null {
            guard let map = value.objectValue, map.values.allSatisfy({ $0.stringValue != nil }) else {
                throw .init(description: "\(context): \(field) must map strings to strings")
            }
            if field == "labels" { labels = map } else { annotations = map }
        }
    }

    /// kustomize's `MergeGlobalOptionsIntoLocal`: a local label or annotation wins over
    /// the global one; a global `true` wins over a local `false`.
    func merging(_ global: GeneratorOptions) -> GeneratorOptions {
        var merged = self
        merged.labels = global.labels.merging(labels) { $1 }
        merged.annotations = global.annotations.merging(annotations) { $1 }
        merged.disableNameSuffixHash = disableNameSuffixHash || global.disableNameSuffixHash
        merged.immutable = immutable || global.immutable
        return merged
    }
}
