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

/// The manifests below a Kustomization's path, as Flux would read them without a
/// kustomization.yaml: every `.yaml`/`.yml` file, every `---` document. Files that do
/// not parse are reported, not fatal: Flux would fail on them too, and the plan's
/// notes say so.
enum ManifestScan {
    struct Result: Sendable {
        var documents: [GitManifest] = []
        var unreadable: [String] = []
    }

    static func documents(repository root: URL, path: String) -> Result {
        var result = Result()
        let base = path.isEmpty ? root : root.appendingPathComponent(path, isDirectory: true)
        let prefix = root.standardizedFileURL.path.hasSuffix("/") ? root.standardizedFileURL.path : root.standardizedFileURL.path + "/"
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return result }
        var files: [String] = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
            let full = url.standardizedFileURL.path
            files.append(full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full)
        }
        for file in files.sorted() {
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
