import FerryJSON
import Foundation

/// A small block-style YAML writer for plan files: two-space indents, `- ` items, and
/// scalars left plain only when YAML reads them back as the same string.
struct YAMLLines {
    private(set) var text = ""

    mutating func comment(_ line: String) { text += "# \(line)\n" }

    /// A blank line and a comment: the start of a section.
    mutating func section(_ comment: String) {
        text += "\n"
        self.comment(comment)
    }

    mutating func raw(_ line: String, indent: Int = 0, item: Bool = false) {
        let pad = String(repeating: "  ", count: indent)
        text += pad + (item ? "- " : "") + line + "\n"
    }

    mutating func key(_ name: String, indent: Int = 0) { raw("\(name):", indent: indent) }

    mutating func field(_ name: String, _ value: String, indent: Int = 0, item: Bool = false) {
        raw("\(name): \(Self.scalar(value))", indent: indent, item: item)
    }

    /// `name:` followed by items, or `name: []` when there are none.
    mutating func list(_ name: String, _ empty: Bool) { raw(empty ? "\(name): []" : "\(name):") }

    mutating func item(_ value: String, indent: Int) { raw("- " + Self.scalar(value), indent: indent + 1) }

    /// Plain when YAML reads it back as this string (`frigate`, `1a6e:089a` stays quoted
    /// only if it must), else double-quoted with JSON escapes, which YAML accepts.
    static func scalar(_ value: String) -> String {
        readsBack(value, as: "k: \(value)") ? value : quoted(value)
    }

    /// The same, inside a flow list (`[a, b]`), where `,` `[` `]` `{` `}` end a plain scalar.
    static func flowScalar(_ value: String) -> String {
        readsBack(value, as: "k: [\(value)]", inList: true) ? value : quoted(value)
    }

    private static func readsBack(_ value: String, as document: String, inList: Bool = false) -> Bool {
        guard !value.isEmpty, !value.contains("\n"), value.trimmingCharacters(in: .whitespaces) == value,
            !value.contains(" #"), !"!&*|>'\"%@`#-?:,[]{}".contains(value.first!),
            let parsed = try? JSON.parseYAML(document)
        else { return false }
        return inList ? parsed["k"] == .array([.string(value)]) : parsed["k"] == .string(value)
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
