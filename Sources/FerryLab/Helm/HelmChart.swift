import Crypto
import FerryJSON
import Foundation

/// A chart read from a directory of a GitRepository's artifact: `Chart.yaml`,
/// `values.yaml` and the templates, with a digest of all its files so that a change
/// to any of them is an upgrade.
struct HelmChart: Sendable {
    struct Metadata: Sendable, Equatable {
        var name: String
        var version: String
        var appVersion: String
    }

    /// Why a chart could not be read or rendered, as the release's condition says it.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var metadata: Metadata
    /// `values.yaml`, the defaults every release starts from.
    var values: JSON
    /// Path below the chart (`templates/deployment.yaml`) and text of each rendered template.
    var templates: [(file: String, text: String)]
    /// `sha256:` over every file's path and bytes.
    var digest: String

    /// Reads the chart at `directory`; `path` is how the HelmRelease names it, for messages.
    init(directory: URL, path: String) throws(Failure) {
        let files = Self.files(below: directory)
        guard let chartFile = files["Chart.yaml"] else {
            throw Failure(description: "no Chart.yaml at '\(path)' in the source artifact: the path is not a chart")
        }
        let chart: JSON
        do {
            chart = try JSON.parseYAML(String(decoding: chartFile, as: UTF8.self))
        } catch {
            throw Failure(description: "\(path)/Chart.yaml: \(error)")
        }
        guard let name = chart["name"].stringValue, let version = Self.scalar(chart["version"]) else {
            throw Failure(description: "\(path)/Chart.yaml: validation: chart.metadata.name and version are required")
        }
        if chart["dependencies"].arrayValue?.isEmpty == false || files.keys.contains(where: { $0.hasPrefix("charts/") }) {
            throw Failure(description: "\(path): chart dependencies are not in the lab's Helm subset (docs/LAB.md: the helm-controller)")
        }
        metadata = Metadata(name: name, version: version, appVersion: Self.scalar(chart["appVersion"]) ?? "")
        do {
            values = try files["values.yaml"].map { try JSON.parseYAML(String(decoding: $0, as: UTF8.self)) } ?? .emptyObject
        } catch {
            throw Failure(description: "\(path)/values.yaml: \(error)")
        }
        if values == .null { values = .emptyObject }
        templates = files.keys.sorted().filter(Self.isRendered).map { ($0, String(decoding: files[$0]!, as: UTF8.self)) }
        var hash = SHA256()
        for (file, data) in files.sorted(by: { $0.key < $1.key }) {
            hash.update(data: Data("\(file)\n\(data.count)\n".utf8))
            hash.update(data: data)
        }
        digest = "sha256:" + hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Renders every template and splits the output into objects: documents split on
    /// `---`, empty ones dropped, as Helm does.
    func render(values: JSON, release: String, namespace: String) throws(Failure) -> [JSON] {
        let context = HelmTemplate.context(values: values, release: release, namespace: namespace, chart: metadata)
        var objects: [JSON] = []
        for (file, text) in templates {
            let rendered: String
            do {
                rendered = try HelmTemplate(file: file, text: text).render(context)
            } catch {
                throw Failure(description: error.description)
            }
            let documents: [JSON]
            do {
                documents = try JSON.parseYAMLDocuments(rendered)
            } catch {
                throw Failure(description: "YAML parse error on \(metadata.name)/\(file): \(error)")
            }
            for document in documents where document != .null && document != .emptyObject {
                guard document["apiVersion"].stringValue != nil, document["kind"].stringValue != nil else {
                    throw Failure(description: "\(file): a rendered object has no apiVersion or kind")
                }
                objects.append(document)
            }
        }
        return objects
    }

    /// Helm renders what is under `templates/`, except partials (`_helpers.tpl`) and NOTES.txt.
    static func isRendered(_ file: String) -> Bool {
        guard file.hasPrefix("templates/") else { return false }
        let name = (file as NSString).lastPathComponent
        guard !name.hasPrefix("_"), name != "NOTES.txt" else { return false }
        return name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".tpl")
    }

    /// Every regular file below `directory`, by its relative path.
    private static func files(below directory: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        let base = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = base + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: full)
            else { continue }
            files[relative] = data
        }
        return files
    }

    /// A Chart.yaml scalar as text: versions like `1.0` read as numbers.
    private static func scalar(_ value: JSON) -> String? {
        switch value {
        case .string(let text): text
        case .int, .double: HelmFunctions.printed(value)
        default: nil
        }
    }
}
