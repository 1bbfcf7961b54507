import FerryJSON
import Foundation

/// The template functions of the lab's Helm subset, with Helm's (sprig's) behaviour,
/// and the Go rules for printing a value and for what counts as true.
enum HelmFunctions {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Calls `name` with its arguments (a piped value comes last, as in Go).
    static func call(_ name: String, _ arguments: [JSON]) throws(Failure) -> JSON {
        switch name {
        case "toYaml":
            let value = try single(name, arguments)
            return .string(toYAML(value))
        case "indent", "nindent":
            guard arguments.count == 2, let width = arguments[0].intValue, width >= 0 else {
                throw Failure(description: "\(name) takes a width and a string, as in `| \(name) 4`")
            }
            let text = indent(printed(arguments[1]), by: Int(width))
            return .string(name == "nindent" ? "\n" + text : text)
        case "default":
            guard (1...2).contains(arguments.count) else {
                throw Failure(description: "default takes a default and a value, as in `| default \"x\"`")
            }
            return arguments.count == 2 && isTrue(arguments[1]) ? arguments[1] : arguments[0]
        case "quote":
            // sprig's `quote` is Go's `%q` (`goQuote`, as the apiserver's messages use it).
            return .string(arguments.filter { $0 != .null }.map { goQuote(printed($0)) }.joined(separator: " "))
        default:
            throw Failure(description: "function \"\(name)\" not defined")
        }
    }

    private static func single(_ name: String, _ arguments: [JSON]) throws(Failure) -> JSON {
        guard arguments.count == 1 else { throw Failure(description: "wrong number of args for \(name): want 1 got \(arguments.count)") }
        return arguments[0]
    }

    /// Helm's `toYaml`: the value as YAML, keys sorted, without the final newline.
    static func toYAML(_ value: JSON) -> String {
        var text = value.yaml
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// sprig's `indent`: every line, empty ones included, gets the padding.
    static func indent(_ text: String, by width: Int) -> String {
        let pad = String(repeating: " ", count: width)
        return pad + text.replacingOccurrences(of: "\n", with: "\n" + pad)
    }

    /// Go's truth for `if`, `with` and `default`: false, 0, "", nil and empty lists and
    /// maps are false; everything else is true.
    static func isTrue(_ value: JSON) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .double(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let items): !items.isEmpty
        case .object(let fields): !fields.isEmpty
        }
    }

    /// How `{{ value }}` prints (Go's `%v`); nil prints nothing, as Helm strips `<no value>`.
    static func printed(_ value: JSON) -> String {
        switch value {
        case .null: ""
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number):
            number.rounded() == number && abs(number) < 1e21 ? String(Int64(number)) : String(number)
        case .string(let text): text
        case .array(let items): "[" + items.map(printed).joined(separator: " ") + "]"
        case .object(let fields):
            "map[" + fields.sorted { $0.key < $1.key }.map { "\($0.key):\(printed($0.value))" }.joined(separator: " ") + "]"
        }
    }

    /// The Go type a value has once Helm has read it from YAML, for error messages.
    static func goType(_ value: JSON) -> String {
        switch value {
        case .null: "<nil>"
        case .bool: "bool"
        case .int, .double: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        }
    }
}
