import FerryJSON
import Foundation

extension KustomizeBuild {
    /// The name references of a kustomization's `configurations:` files (paths relative
    /// to its directory, inside the artifact), see `KustomizeNameReference.parse`.
    func configurations(_ kustomization: JSON, in directory: URL, file: URL) throws(BuildError) -> [KustomizeNameReference] {
        guard kustomization["configurations"] != .null else { return [] }
        guard let paths = kustomization["configurations"].arrayValue?.compactMap(\.stringValue),
            paths.count == kustomization["configurations"].arrayValue?.count
        else { throw BuildError(description: "\(relative(file)): configurations must be a list of file paths") }
        var result: [KustomizeNameReference] = []
        for path in paths {
            let url = directory.appendingPathComponent(path).standardizedFileURL
            guard contains(url) else {
                throw BuildError(description: "\(relative(file)): configurations file '\(path)' is outside the source artifact")
            }
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw BuildError(description: "\(relative(file)): configurations file '\(path)' not found (\(relative(url)))")
            }
            let configuration: JSON
            do {
                configuration = try JSON.parseYAML(try String(contentsOf: url, encoding: .utf8))
            } catch {
                throw BuildError(description: "reading \(relative(url)): \(error)")
            }
            result += try KustomizeNameReference.parse(configuration, file: relative(url))
        }
        return result
    }
}
