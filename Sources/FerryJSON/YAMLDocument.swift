import Yams

/// A line and column in a text file, both counted from 1, as editors and compilers print them.
public struct YAMLPosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A YAML document parsed to `JSON` that remembers where every node came from, so
/// that a file a person wrote (a plan) can be checked with errors that point at
/// `file:line:column`.
///
/// Paths are the JSON path of a node: mapping keys by name, sequence items by their
/// index as a string.
///
/// ```swift
/// let doc = try YAMLDocument.parse("devices:\n  - ids: [1a6e:089a, 18d1:9302]\n")
/// doc.position(of: ["devices", "0", "ids", "1"])   // 2:22
/// doc.keyPosition(of: ["devices", "0", "ids"])      // 2:5
/// ```
public struct YAMLDocument: Sendable {
    /// The document as JSON, typed exactly as `JSON.parseYAML` types it.
    public var root: JSON
    private var values: [[String]: YAMLPosition]
    private var keys: [[String]: YAMLPosition]
    private var texts: [[String]: String]

    /// Parses the first document of `text`; an empty text is a `.null` root.
    public static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLDocument {
        try parse(text, aliasNodeLimit: YAMLNodeConverter.aliasNodeLimit)
    }

    static func parse(_ text: String, aliasNodeLimit: Int) throws(YAMLSyntaxError) -> YAMLDocument {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            let names = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw YAMLSyntaxError(
                line: context.mark.line, column: context.mark.column,
                problem: "the mapping that starts here has \(names) more than once")
        } catch let error as YamlError {
            throw YAMLSyntaxError(yamlError: error)
        } catch {
            throw YAMLSyntaxError(problem: String(describing: error))
        }
        var document = YAMLDocument(root: .null, values: [:], keys: [:], texts: [:])
        guard let node else { return document }
        var converter = YAMLNodeConverter(text: text, limit: aliasNodeLimit)
        document.root = try converter.convert(node)
        document.record(node, at: [])
        return document
    }

    /// Where the node's value starts (for a mapping entry: its value, not its key).
    public func position(of path: [String]) -> YAMLPosition? {
        values[path]
    }

    /// Where the mapping key that names the node starts; the value's position for a
    /// sequence item or the root.
    public func keyPosition(of path: [String]) -> YAMLPosition? {
        keys[path] ?? values[path]
    }

    /// The nearest position for `path`: its own, or its closest recorded ancestor's.
    /// Useful for a missing field, which is reported at the mapping that lacks it.
    public func nearestPosition(of path: [String]) -> YAMLPosition {
        var path = path
        while true {
            if let position = values[path] { return position }
            if path.isEmpty { return YAMLPosition(line: 1, column: 1) }
            path.removeLast()
        }
    }

    /// The scalar exactly as written (without quotes), for values whose YAML type is
    /// not what the reader wants: `0000:01:00.0` resolves to a number under YAML 1.1's
    /// sexagesimal rule, but is a PCI address.
    public func scalarText(at path: [String]) -> String? {
        texts[path]
    }

    private mutating func record(_ node: Node, at path: [String]) {
        if let mark = node.mark { values[path] = YAMLPosition(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            texts[path] = scalar.string
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() { record(item, at: path + [String(index)]) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let name = key.scalar?.string else { continue }
                if let mark = key.mark { keys[path + [name]] = YAMLPosition(line: mark.line, column: mark.column) }
                record(value, at: path + [name])
            }
        case .alias:
            break
        }
    }
}
