import Foundation
import Yams

/// A YAML document that could not be read, with where it went wrong.
public struct YAMLSyntaxError: Error, Sendable, CustomStringConvertible {
    public var line: Int?
    public var column: Int?
    public var problem: String

    public var description: String {
        guard let line else { return problem }
        return "\(line):\(column ?? 0): \(problem)"
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
                let value = try JSON(yamlNode: node)
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

    init(yamlNode node: Node) throws(YAMLSyntaxError) {
        switch node {
        case .scalar(let scalar):
            self = JSON.scalar(scalar)
        case .sequence(let sequence):
            var items: [JSON] = []
            for item in sequence { items.append(try JSON(yamlNode: item)) }
            self = .array(items)
        case .mapping(let mapping):
            var object: [String: JSON] = [:]
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    throw YAMLSyntaxError(
                        line: key.mark?.line, column: key.mark?.column, problem: "mapping keys must be plain strings")
                }
                if object[name] != nil {
                    throw YAMLSyntaxError(line: key.mark?.line, column: key.mark?.column, problem: "duplicate key \"\(name)\"")
                }
                object[name] = try JSON(yamlNode: value)
            }
            self = .object(object)
        case .alias(let alias):
            throw YAMLSyntaxError(line: alias.mark?.line, column: alias.mark?.column, problem: "YAML aliases are not supported")
        }
    }

    private static func scalar(_ scalar: Node.Scalar) -> JSON {
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
