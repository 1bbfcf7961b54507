import FerryJSON
import Foundation

/// A generator's data, as kustomize's `api/kv` reads it: `literals` (`KEY=VALUE`, a
/// value in matching quotes loses them), `files` (`PATH`, the key is the file's base
/// name, or `KEY=PATH`) and `envs` (files of `KEY=VALUE` lines; blank lines and lines
/// starting with `#` are skipped). Paths are relative to the kustomization's directory
/// and must stay inside the artifact. A key may appear once.
struct KustomizeDataSources {
    let build: KustomizeBuild
    let directory: URL
    /// The generator, for messages: `clusters/x/kustomization.yaml: configMapGenerator[0] (name)`.
    let context: String

    func entries(literals: JSON, files: JSON, envs: JSON) throws(KustomizeBuild.BuildError) -> [(key: String, value: Data)] {
        var result: [(key: String, value: Data)] = []
        func add(_ key: String, _ value: Data) throws(KustomizeBuild.BuildError) {
            guard Self.isValidKey(key) else {
                throw .init(description: "\(context): '\(key)' is not a valid key name (letters, digits, '-', '_' and '.')")
            }
            guard !result.contains(where: { $0.key == key }) else {
                throw .init(description: "\(context): the key '\(key)' appears twice")
            }
            result.append((key, value))
        }
        for literal in try strings(literals, "literals") {
            guard let pair = Self.split(literal), !pair.key.isEmpty else {
                throw .init(description: "\(context): literal '\(literal)' is not KEY=VALUE")
            }
            try add(pair.key, Data(Self.removingQuotes(pair.value).utf8))
        }
        for source in try strings(files, "files") {
            let pair = Self.split(source) ?? (key: (source as NSString).lastPathComponent, value: source)
            let (key, path) = (pair.key, pair.value)
            guard !key.isEmpty, !path.isEmpty else { throw .init(description: "\(context): file source '\(source)' is not [KEY=]PATH") }
            try add(key, try read(path))
        }
        for path in try strings(envs, "envs") {
            guard let text = String(data: try read(path), encoding: .utf8) else {
                throw .init(description: "\(context): env file '\(path)' is not UTF-8 text")
            }
            for (number, line) in Self.lines(text).enumerated() {
                let trimmed = line.drop { $0.isWhitespace }
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                guard let pair = Self.split(String(trimmed)) else {
                    throw .init(description: "\(context): \(path):\(number + 1): '\(trimmed)' is not KEY=VALUE "
                        + "(the lab does not read values from its own environment)")
                }
                try add(pair.key, Data(pair.value.utf8))
            }
        }
        return result
    }

    private func strings(_ value: JSON, _ field: String) throws(KustomizeBuild.BuildError) -> [String] {
        guard value != .null else { return [] }
        guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            throw .init(description: "\(context): \(field) must be a list of strings")
        }
        return list.compactMap(\.stringValue)
    }

    /// The bytes of `path`, relative to the kustomization's directory.
    private func read(_ path: String) throws(KustomizeBuild.BuildError) -> Data {
        let url = directory.appendingPathComponent(path).standardizedFileURL
        guard build.contains(url) else {
            throw .init(description: "\(context): file '\(path)' is outside the source artifact")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .init(description: "\(context): file '\(path)' not found (\(build.relative(url)))")
        }
        guard !isDirectory.boolValue else {
            throw .init(description: "\(context): '\(path)' is a directory; the lab's kustomize reads files only")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .init(description: "\(context): reading '\(path)': \(error.localizedDescription)")
        }
    }

    static func split(_ text: String) -> (key: String, value: String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    static func removingQuotes(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first else { return value }
        return String(value.dropFirst().dropLast())
    }

    /// Lines without their `\n` or `\r\n`, and without a leading byte-order mark.
    static func lines(_ text: String) -> [String] {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // "\r\n" is one Character in Swift: replace it before splitting.
        return text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// kubernetes' `IsConfigMapKey`: `[-._a-zA-Z0-9]+`, not `.` or `..`.
    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key != "." && key != ".." && key.count <= 253
            && key.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) }
    }
}
