import Foundation
import Yams

/// A YAML document that could not be read, with where it went wrong.
public struct YAMLSyntaxError: Error, Sendable, CustomStringConvertible {
    public var line: Int?
    public var column: Int?
    public var problem: String
    /// What to do about it, when there is more to say than "write valid YAML".
    public var hint: String?

    public init(line: Int? = nil, column: Int? = nil, problem: String, hint: String? = nil) {
        self.line = line
        self.column = column
        self.problem = problem
        self.hint = hint
    }

    public var description: String {
        let text = hint.map { "\(problem): \($0)" } ?? problem
        guard let line else { return text }
        return "\(line):\(column ?? 0): \(text)"
    }
}

/// YAML in, JSON out: Kubernetes manifests, kubeconfigs and plans are YAML, and
/// everything after parsing works on the JSON tree, as Kubernetes' own
/// `sigs.k8s.io/yaml` does. Scalars are typed by YAML's core schema (`1` is an
/// integer, `"1"` a string, `true` a boolean, `~` null).
extension JSON {
    public static func parseYAML(_ text: String) throws(YAMLSyntaxError) -> JSON {
        try parseYAMLDocuments(text).first ?? .null
    }

    /// Every document of a multi-document stream (`---` separated); empty documents are skipped.
    public static func parseYAMLDocuments(_ text: String) throws(YAMLSyntaxError) -> [JSON] {
        do {
            var documents = try Yams.compose_all(yaml: text)
            var result: [JSON] = []
            while let node = documents.next() {
                var converter = YAMLNodeConverter(text: text)
                let value = try converter.convert(node)
                if value != .null { result.append(value) }
            }
            if let error = documents.error { throw error }
            return result
        } catch let error as YAMLSyntaxError {
            throw error
        } catch let error as YamlError {
            throw YAMLSyntaxError(yamlError: error)
        } catch {
            throw YAMLSyntaxError(problem: String(describing: error))
        }
    }

    static func scalar(_ scalar: Node.Scalar) -> JSON {
        let text = scalar.string
        // The resolved tag's name, e.g. "tag:yaml.org,2002:int" for an unquoted 42.
        switch Node.scalar(scalar).tag.description {
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue: return .bool(["true", "yes", "on"].contains(text.lowercased()))
        case Tag.Name.int.rawValue: return Int64(text.replacingOccurrences(of: "_", with: "")).map(JSON.int) ?? .string(text)
        case Tag.Name.float.rawValue: return Double(text).map(JSON.double) ?? .string(text)
        default: return .string(text)
        }
    }
}

extension YAMLSyntaxError {
    init(yamlError: YamlError) {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            self.init(line: mark.line, column: mark.column, problem: text)
        default:
            self.init(problem: String(describing: yamlError))
        }
    }
}
