/// Splits a command line into argv the way a POSIX shell does for simple commands:
/// whitespace separates words, single quotes keep everything literally, double
/// quotes keep whitespace and honour `\"`, `\\`, `\$` and `` \` ``, a backslash
/// outside quotes escapes the next character. Operators (`|`, `&&`, `||`, `;`)
/// are returned as words of their own when they stand unquoted, so that
/// `CommandShell` can run simple pipelines; no expansion (`$VAR`, globs) happens.
///
/// ```swift
/// try ShellWords.split(#"qm guest exec 108 -- sh -c "lsusb | grep 18d1""#)
/// // ["qm", "guest", "exec", "108", "--", "sh", "-c", "lsusb | grep 18d1"]
/// ```
public enum ShellWords {
    public struct UnterminatedQuote: Error, CustomStringConvertible {
        public var description: String { "unexpected EOF while looking for matching quote" }
    }

    /// The operators `split` returns as separate words.
    public static let operators: Set<String> = ["|", "||", "&&", ";"]

    public static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var characters = Array(line)[...]

        func finish() {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        }

        while let character = characters.popFirst() {
            switch character {
            case " ", "\t", "\n":
                finish()
            case "'":
                inWord = true
                guard let end = characters.firstIndex(of: "'") else { throw UnterminatedQuote() }
                current += String(characters[..<end])
                characters = characters[characters.index(after: end)...]
            case "\"":
                inWord = true
                var closed = false
                while let next = characters.popFirst() {
                    if next == "\"" { closed = true; break }
                    if next == "\\", let escaped = characters.first, "\"\\$`".contains(escaped) {
                        current.append(escaped)
                        characters = characters.dropFirst()
                    } else {
                        current.append(next)
                    }
                }
                if !closed { throw UnterminatedQuote() }
            case "\\":
                inWord = true
                if let escaped = characters.popFirst(), escaped != "\n" { current.append(escaped) }
            case "|", "&", ";":
                finish()
                var op = String(character)
                if let next = characters.first, (character == "|" && next == "|") || (character == "&" && next == "&") {
                    op.append(next)
                    characters = characters.dropFirst()
                }
                words.append(op)
            default:
                inWord = true
                current.append(character)
            }
        }
        finish()
        return words
    }

    /// Quotes `word` so that `split` (and a shell) reads it back as one word.
    public static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+%".contains($0) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
