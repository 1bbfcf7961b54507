import FerryJSON
import Foundation

/// A kubeconfig as kubectl sees it after merging: named clusters, users and
/// contexts, and the current context. Each entry remembers the file it came from,
/// because relative paths in it (certificate files, token files) are relative to
/// that file.
public struct Kubeconfig: Sendable {
    public struct Entry: Sendable {
        public var value: JSON
        public var file: URL
    }

    public var clusters: [String: Entry] = [:]
    public var users: [String: Entry] = [:]
    public var contexts: [String: Entry] = [:]
    public var currentContext: String?
    /// The files merged, in order.
    public var files: [URL] = []

    public init() {}

    /// Reads one kubeconfig file; errors name the file and, for YAML syntax, the line and column.
    public static func parse(_ text: String, file: URL) throws(KubeconfigError) -> Kubeconfig {
        let document: JSON
        do {
            document = try JSON.parseYAML(text)
        } catch {
            throw .invalid(file, "\(error.description)")
        }
        guard document == .null || document.objectValue != nil else {
            throw .invalid(file, "a kubeconfig must be a mapping with clusters, users and contexts")
        }
        var config = Kubeconfig()
        config.files = [file]
        for (section, target) in [("clusters", \Kubeconfig.clusters), ("users", \.users), ("contexts", \.contexts)] {
            let payload = section == "clusters" ? "cluster" : section == "users" ? "user" : "context"
            guard document[section] != .null else { continue }
            guard let items = document[section].arrayValue else { throw .invalid(file, "\(section) must be a list") }
            for (index, item) in items.enumerated() {
                guard let name = item["name"].stringValue, !name.isEmpty else {
                    throw .invalid(file, "\(section)[\(index)] has no name")
                }
                if config[keyPath: target][name] == nil {
                    config[keyPath: target][name] = Entry(value: item[payload], file: file)
                }
            }
        }
        if let current = document["current-context"].stringValue, !current.isEmpty { config.currentContext = current }
        return config
    }

    /// Merges as kubectl merges `KUBECONFIG=a:b`: the first file to define a name or
    /// the current context wins.
    public mutating func merge(_ other: Kubeconfig) {
        clusters.merge(other.clusters) { first, _ in first }
        users.merge(other.users) { first, _ in first }
        contexts.merge(other.contexts) { first, _ in first }
        if currentContext == nil { currentContext = other.currentContext }
        files += other.files
    }
}

/// Why a kubeconfig could not be used, with the file and what to do.
public struct KubeconfigError: Error, Sendable, CustomStringConvertible {
    public var description: String

    static func invalid(_ file: URL, _ problem: String) -> KubeconfigError {
        KubeconfigError(description: "\(file.path): \(problem)")
    }

    static func missing(_ what: String, _ hint: String) -> KubeconfigError {
        KubeconfigError(description: "\(what). \(hint)")
    }
}
