import FerryGitOps
import FerryJSON
import Foundation

/// One document of a manifest file in the GitOps clone.
struct GitManifest: Sendable {
    /// Relative to the repository root (`apps/frigate/deployment.yaml`).
    var file: String
    /// How many documents the file holds; a plan names the document when there are several.
    var documentsInFile: Int
    var json: JSON

    var kind: String { json["kind"].stringValue ?? "" }
    var name: String { json["metadata"]["name"].stringValue ?? "" }
    var namespace: String? { json["metadata"]["namespace"].stringValue }
    /// `Deployment/frigate`, the plan's `document` when the file has several.
    var selector: String? { documentsInFile > 1 ? "\(kind)/\(name)" : nil }
}

/// The manifests a Kustomization's path builds from, as Flux reads them: where a
/// directory has a kustomization.yaml, its `resources` (files, and directories
/// followed the same way, `../../apps/frigate` included, as a `flux bootstrap`
/// repository's `clusters/NAME` lists its apps); where it has none, every
/// `.yaml`/`.yml` file below it. Every `---` document. Files that do not parse are
/// reported, not fatal: Flux would fail on them too, and the plan's notes say so.
enum ManifestScan {
    struct Result: Sendable {
        var documents: [GitManifest] = []
        var unreadable: [String] = []
        /// ConfigMaps a kustomization.yaml generates (`configMapGenerator`): a
        /// HelmRelease's values often live in a plain file one of them reads.
        var generatedConfigMaps: [GeneratedConfigMap] = []
    }

    /// One `configMapGenerator` entry: the ConfigMap's name as written (kustomize adds
    /// a hash and rewrites the references) and its keys' files, relative to the root.
    struct GeneratedConfigMap: Sendable {
        var name: String
        var namespace: String?
        /// The kustomization.yaml that lists it.
        var kustomization: String
        var files: [(key: String, file: String)]
    }

    static let kustomizationFiles = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    static func documents(repository root: URL, path: String) -> Result {
        var result = Result()
        var files: [String] = []
        var visited = Set<String>()
        collect(relativePath(path), root: root, into: &files, visited: &visited, result: &result)
        for file in files {
            let text: String
            do {
                text = try String(contentsOf: try CloneFile.resolve(file, in: root), encoding: .utf8)
            } catch let refused as CloneFile.Refused {
                result.unreadable.append("\(file): \(refused.description)")
                continue
            } catch {
                result.unreadable.append("\(file): \((error as NSError).localizedDescription)")
                continue
            }
            do {
                let documents = try JSON.parseYAMLDocuments(text)
                // Secrets are skipped unread: ferry never needs their values, and never holds them.
                for json in documents where json.objectValue != nil && json["kind"].stringValue != "Secret" {
                    result.documents.append(GitManifest(file: file, documentsInFile: documents.count, json: json))
                }
            } catch {
                result.unreadable.append("\(file): \(error)")
            }
        }
        return result
    }

    /// The files `directory` (relative to the root) builds from, in kustomize's order.
    private static func collect(_ directory: String, root: URL, into files: inout [String], visited: inout Set<String>, result: inout Result) {
        guard visited.insert(directory).inserted else { return }
        let base = directory.isEmpty ? root : root.appendingPathComponent(directory, isDirectory: true)
        guard let kustomization = kustomizationFiles.map({ join(directory, $0) })
            .first(where: { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) })
        else {
            let prefix = root.standardizedFileURL.path.hasSuffix("/") ? root.standardizedFileURL.path : root.standardizedFileURL.path + "/"
            guard let enumerator = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            else { return }
            var found: [String] = []
            for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
                let full = url.standardizedFileURL.path
                found.append(full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full)
            }
            for file in found.sorted() where !files.contains(file) { files.append(file) }
            return
        }
        let resources: [String]
        do {
            let text = try String(contentsOf: try CloneFile.resolve(kustomization, in: root), encoding: .utf8)
            let json = try JSON.parseYAML(text)
            resources = ((json["resources"].arrayValue ?? []) + (json["bases"].arrayValue ?? [])).compactMap(\.stringValue)
            result.generatedConfigMaps += generators(json, kustomization: kustomization, directory: directory)
        } catch {
            result.unreadable.append("\(kustomization): \(error)")
            return
        }
        for resource in resources where !resource.contains("://") && !resource.hasPrefix("github.com/") {
            guard let relative = normalized(join(directory, resource)) else {
                result.unreadable.append("\(kustomization): \(resource) is outside the repository")
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory) else {
                result.unreadable.append("\(kustomization): \(resource) does not exist")
                continue
            }
            if isDirectory.boolValue {
                collect(relative, root: root, into: &files, visited: &visited, result: &result)
            } else if !files.contains(relative) {
                files.append(relative)
            }
        }
    }

    /// `files:` entries are `path` (the key is its base name) or `key=path`, relative
    /// to the kustomization's directory; one that climbs out of the root is left out.
    private static func generators(_ json: JSON, kustomization: String, directory: String) -> [GeneratedConfigMap] {
        (json["configMapGenerator"].arrayValue ?? []).compactMap { entry in
            guard let name = entry["name"].stringValue else { return nil }
            let files: [(key: String, file: String)] = (entry["files"].arrayValue ?? []).compactMap(\.stringValue).compactMap { item in
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                let path = parts.count == 2 ? parts[1] : parts[0]
                guard let file = normalized(join(directory, path)) else { return nil }
                let key = parts.count == 2 ? parts[0] : String(path.split(separator: "/").last ?? "")
                return (key, file)
            }
            return GeneratedConfigMap(
                name: name, namespace: entry["namespace"].stringValue ?? json["namespace"].stringValue, kustomization: kustomization, files: files)
        }
    }

    private static func join(_ directory: String, _ path: String) -> String {
        directory.isEmpty ? path : directory + "/" + path
    }

    /// `apps/x/../../apps/frigate` -> `apps/frigate`; nil when it climbs out of the root.
    private static func normalized(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// `./apps/frigate/` -> `apps/frigate`; `./` -> `` (the repository root).
    static func relativePath(_ path: String) -> String {
        var parts = path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        if parts.first == "" { parts.removeFirst() }
        return parts.joined(separator: "/")
    }

    /// The ConfigMaps a pod template references, with how (for notes): volumes,
    /// projected volumes, `envFrom` and `env[].valueFrom`.
    static func configMapReferences(template: JSON) -> [(name: String, how: String)] {
        var found: [(String, String)] = []
        func add(_ name: String?, _ how: String) {
            guard let name, !found.contains(where: { $0.0 == name }) else { return }
            found.append((name, how))
        }
        let spec = template["spec"]
        for volume in spec["volumes"].arrayValue ?? [] {
            let volumeName = volume["name"].stringValue ?? "?"
            add(volume["configMap"]["name"].stringValue, "mounted as volume \(volumeName)")
            for source in volume["projected"]["sources"].arrayValue ?? [] {
                add(source["configMap"]["name"].stringValue, "projected into volume \(volumeName)")
            }
        }
        for container in (spec["initContainers"].arrayValue ?? []) + (spec["containers"].arrayValue ?? []) {
            let containerName = container["name"].stringValue ?? "?"
            for source in container["envFrom"].arrayValue ?? [] {
                add(source["configMapRef"]["name"].stringValue, "envFrom of container \(containerName)")
            }
            for variable in container["env"].arrayValue ?? [] {
                add(variable["valueFrom"]["configMapKeyRef"]["name"].stringValue, "env of container \(containerName)")
            }
        }
        return found
    }
}
