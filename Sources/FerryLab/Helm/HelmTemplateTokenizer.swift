import FerryJSON

/// The words of one action: fields (`.Values.a`, `.`), identifiers (function names,
/// `true`, `false`, `nil`), string and number literals, and `|`. Variables, parentheses
/// and assignments are refused by name.
struct HelmTemplateTokenizer {
    enum Token: Equatable, CustomStringConvertible {
        case field([String])
        case identifier(String)
        case literal(JSON)
        case pipe

        var description: String {
            switch self {
            case .field(let path): path.isEmpty ? "." : path.map { ".\($0)" }.joined()
            case .identifier(let name): name
            case .literal(let value): value.serialized
            case .pipe: "|"
            }
        }
    }

    let file: String
    let line: Int

    func tokens(_ words: Substring) throws(HelmTemplateError) -> [Token] {
        let characters = Array(words)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "|" {
                tokens.append(.pipe)
                index += 1
            } else if character == "." {
                var path: [String] = []
                while index < characters.count, characters[index] == "." {
                    index += 1
                    let name = String(characters[index...].prefix(while: Self.isNameCharacter))
                    index += name.count
                    if name.isEmpty {
                        guard path.isEmpty else { throw failure("bad field name after \(Token.field(path))") }
                        break
                    }
                    path.append(name)
                }
                tokens.append(.field(path))
            } else if character == "\"" || character == "`" {
                let (text, next) = try string(characters, from: index)
                tokens.append(.literal(.string(text)))
                index = next
            } else if character.isNumber || (character == "-" && characters.dropFirst(index + 1).first?.isNumber == true) {
                let text = String(characters[index...].prefix { $0.isNumber || $0 == "." || $0 == "-" })
                index += text.count
                if let integer = Int64(text) {
                    tokens.append(.literal(.int(integer)))
                } else if let double = Double(text) {
                    tokens.append(.literal(.double(double)))
                } else {
                    throw failure("bad number syntax: \(text)")
                }
            } else if Self.isNameCharacter(character) {
                let name = String(characters[index...].prefix(while: Self.isNameCharacter))
                tokens.append(.identifier(name))
                index += name.count
            } else if character == "$" {
                let name = String(characters[(index + 1)...].prefix(while: Self.isNameCharacter))
                throw HelmTemplateError.unsupported("variable \"$\(name)\"", file: file, line: line)
            } else if character == "(" || character == ")" {
                throw HelmTemplateError.unsupported("a parenthesized pipeline", file: file, line: line)
            } else if character == "=" || character == ":" {
                throw HelmTemplateError.unsupported("an assignment", file: file, line: line)
            } else {
                throw failure("unexpected \"\(character)\" in command")
            }
        }
        return tokens
    }

    /// A Go string literal: "…" with backslash escapes, or `…` raw.
    private func string(_ characters: [Character], from start: Int) throws(HelmTemplateError) -> (String, Int) {
        let quote = characters[start]
        var text = ""
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if character == quote { return (text, index + 1) }
            if character == "\\", quote == "\"", index + 1 < characters.count {
                index += 1
                switch characters[index] {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case let other: text.append(other)
                }
            } else {
                text.append(character)
            }
            index += 1
        }
        throw failure("unterminated quoted string")
    }

    private func failure(_ message: String) -> HelmTemplateError {
        HelmTemplateError(file: file, line: line, message: message)
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
