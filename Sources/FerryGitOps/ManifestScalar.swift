import FerryJSON

/// Writing scalars so that YAML reads them back as the value meant: a string that
/// would read as a boolean, a number or null (`"true"`, `"1"`, `"~"`) is quoted, and
/// an edited value keeps the quoting style it had when it can.
enum ManifestScalar {
    /// `value` as YAML text: plain when YAML reads it back as this value, else in
    /// `preferred` quotes (single quotes only for text that needs no escapes).
    static func render(_ value: JSON, preferring preferred: OutlineScalar.Style = .plain) -> String? {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number):
            let text = number.description
            return reads(text, as: value) ? text : nil
        case .string(let text): return render(string: text, preferring: preferred)
        case .array, .object: return nil
        }
    }

    static func render(string text: String, preferring preferred: OutlineScalar.Style = .plain) -> String {
        switch preferred {
        case .plain where isPlainSafe(text): return text
        case .singleQuoted where text.allSatisfy({ $0 != "\n" && $0 != "\r" && $0 != "\t" }):
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        default: return doubleQuoted(text)
        }
    }

    /// A mapping key, plain when it can be.
    static func renderKey(_ key: String) -> String {
        isPlainSafe(key) && !key.contains(":") ? key : doubleQuoted(key)
    }

    /// Whether YAML reads `text`, written plain after a key, as exactly `value`.
    static func reads(_ text: String, as value: JSON) -> Bool {
        guard let parsed = try? JSON.parseYAML("k: \(text)\n") else { return false }
        return parsed["k"] == value && parsed.objectValue?.count == 1
    }

    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last, first != " ", last != " ", !text.contains("\n"),
            !text.contains("\r"), !text.contains("\t"), !text.contains(" #"), !text.contains(": "), last != ":",
            !"!&*|>'\"%@`#?:,[]{}".contains(first), !(first == "-" && (text.count == 1 || text.dropFirst().first == " "))
        else { return false }
        return reads(text, as: .string(text))
    }

    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + String(repeating: "0", count: max(0, 2 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The common escapes of a double-quoted key; anything rarer is left as written.
    static func unescape(_ raw: String) -> String {
        var out = ""
        var escaping = false
        for character in raw {
            if escaping {
                switch character {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"", "\\", "/": out.append(character)
                default: out += "\\" + String(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// How a value is named in messages.
    static func describe(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    /// Whether two scalars are of the same YAML type (integers and numbers alike).
    static func sameType(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.bool, .bool), (.string, .string), (.null, .null): true
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): true
        default: false
        }
    }
}
