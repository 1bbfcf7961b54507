import FerryJSON
import Foundation

/// The part of `kustomize build` the lab does: at a path of an artifact, read
/// `kustomization.yaml` and collect its `resources` (manifest files, and directories
/// with their own kustomization.yaml) and what its `configMapGenerator` and
/// `secretGenerator` make (see `KustomizeGenerators.swift`), apply its `namespace`, and
/// rewrite references to generated names (built-in and `configurations:` name
/// references, see `KustomizeNameReference`); without a kustomization.yaml, take every
/// `.yaml`/`.yml` file below the path, as Flux does when it generates one. Any other
/// kustomize feature is refused by name, never ignored.
struct KustomizeBuild {
    /// A failed build, with the reason kustomize-controller reports for it.
    struct Failure: Error, CustomStringConvertible {
        /// `ArtifactFailed` (the path is missing) or `BuildFailed`.
        var reason: String
        var description: String
    }

    static let supportedFields: Set<String> = [
        "apiVersion", "kind", "metadata", "resources", "namespace",
        "configMapGenerator", "secretGenerator", "generatorOptions", "configurations",
    ]
    static let kustomizationFiles = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// The artifact's root directory.
    let root: URL

    /// The objects at `path` (relative to the root; "" or "./" is the root).
    func build(path: String) throws(Failure) -> [JSON] {
        let directory = root.appendingPathComponent(path, isDirectory: true).standardizedFileURL
        guard contains(directory) else {
            throw Failure(reason: "ArtifactFailed", description: "path '\(path)' is outside the source artifact")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(
                reason: "ArtifactFailed",
                description: "kustomization path not found: stat \(directory.path): no such file or directory")
        }
        do {
            return try objects(in: directory).resources.map(\.object)
        } catch {
            throw Failure(reason: "BuildFailed", description: "kustomize build failed: \(error.description)")
        }
    }

    struct BuildError: Error, CustomStringConvertible {
        var description: String
    }

    /// What a directory builds to: its objects, and the name references its
    /// kustomization and those below it configure (kustomize merges them upwards).
    private struct Level {
        var resources: [KustomizeResource] = []
        var references: [KustomizeNameReference] = []
    }

    private func objects(in directory: URL) throws(BuildError) -> Level {
        guard let file = Self.kustomizationFiles.map({ directory.appendingPathComponent($0) })
            .first(where: { FileManager.default.fileExists(atPath: $0.path) })
        else { return try generated(directory) }
        let kustomization: JSON
        do {
            kustomization = try JSON.parseYAML(try String(contentsOf: file, encoding: .utf8))
        } catch {
            throw BuildError(description: "reading \(relative(file)): \(error)")
        }
        let unsupported = Set((kustomization.objectValue ?? [:]).keys).subtracting(Self.supportedFields).sorted()
        if !unsupported.isEmpty {
            throw BuildError(
                description: "\(relative(file)): the lab's kustomize supports only resources, namespace, "
                    + "configMapGenerator, secretGenerator, generatorOptions and configurations, "
                    + "not \(unsupported.joined(separator: ", "))")
        }
        var level = Level(references: try configurations(kustomization, in: directory, file: file))
        for entry in kustomization["resources"].arrayValue ?? [] {
            guard let name = entry.stringValue else { throw BuildError(description: "\(relative(file)): a resource is not a string") }
            let target = directory.appendingPathComponent(name).standardizedFileURL
            guard contains(target) else {
                throw BuildError(description: "accumulating resources: '\(name)' is outside the source artifact")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
                throw BuildError(
                    description: "accumulating resources: accumulation err='accumulating resources from '\(name)': "
                        + "open \(target.path): no such file or directory'")
            }
            if isDirectory.boolValue {
                guard Self.kustomizationFiles.contains(where: {
                    FileManager.default.fileExists(atPath: target.appendingPathComponent($0).path)
                }) else {
                    throw BuildError(
                        description: "accumulating resources: unable to find one of 'kustomization.yaml', "
                            + "'kustomization.yml' or 'Kustomization' in directory '\(target.path)'")
                }
                let below = try objects(in: target)
                level.resources += below.resources
                level.references += below.references
            } else {
                level.resources += try manifests(target).map { KustomizeResource(object: $0) }
            }
        }
        // Generated objects first, so that a ConfigMap is applied before what reads it.
        level.resources = try generatorObjects(kustomization, in: directory, file: file) + level.resources
        if let namespace = kustomization["namespace"].stringValue, !namespace.isEmpty {
            level.resources = level.resources.map {
                KustomizeResource(object: Self.settingNamespace(namespace, on: $0.object), generatorName: $0.generatorName)
            }
        }
        level.resources = KustomizeNameReference.rewrite(level.resources, with: KustomizeNameReference.builtIn + level.references)
        return level
    }

    /// What Flux generates when the path has no kustomization.yaml: every manifest
    /// file below it, and sub-directories that have one as a whole.
    private func generated(_ directory: URL) throws(BuildError) -> Level {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        var result = Level()
        for entry in entries {
            let url = directory.appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                let below = try objects(in: url)
                result.resources += below.resources
                result.references += below.references
            } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                result.resources += try manifests(url).map { KustomizeResource(object: $0) }
            }
        }
        return result
    }

    private func manifests(_ file: URL) throws(BuildError) -> [JSON] {
        let documents: [JSON]
        do {
            documents = try JSON.parseYAMLDocuments(try String(contentsOf: file, encoding: .utf8))
        } catch {
            throw BuildError(description: "reading \(relative(file)): \(error)")
        }
        for document in documents where document["apiVersion"].stringValue == nil || document["kind"].stringValue == nil {
            throw BuildError(description: "\(relative(file)): missing Resource metadata (apiVersion and kind are required)")
        }
        return documents
    }

    /// kustomize's `namespace:` sets the namespace of every namespaced object.
    static func settingNamespace(_ namespace: String, on object: JSON) -> JSON {
        let kind = ResourceCatalog.kind(apiVersion: object["apiVersion"].stringValue ?? "", kind: object["kind"].stringValue ?? "")
        guard kind?.namespaced ?? true else { return object }
        var object = object
        object[path: ["metadata", "namespace"]] = .string(namespace)
        return object
    }

    func contains(_ url: URL) -> Bool {
        let base = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path == base || path.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    func relative(_ file: URL) -> String {
        let base = root.standardizedFileURL.path
        let path = file.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}
