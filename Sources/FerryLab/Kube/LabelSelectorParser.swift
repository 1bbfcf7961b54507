/// The label selector grammar of k8s.io/apimachinery/pkg/labels (lexer and parser),
/// including its error texts.
struct LabelSelectorParser {
    enum Token: Equatable {
        case error, endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
        case identifier, `in`, lessThan, notEquals, notIn, openPar
    }

    private static let keywords: [String: Token] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals,
        ">": .greaterThan, "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]
    private static let binaryOperators = "in, notin, =, ==, !=, gt, lt"

    private var items: [(Token, String)] = []
    private var position = 0

    init(_ text: String) {
        let bytes = Array(text.utf8)
        var lexer = Lexer(bytes: bytes)
        while true {
            let item = lexer.lex()
            items.append(item)
            if item.0 == .endOfString { break }
        }
    }

    // MARK: Parser

    /// In a values context `in` and `notin` are plain identifiers.
    private func lookahead(values: Bool = true) -> (Token, String) {
        let (token, literal) = items[position]
        if values, token == .in || token == .notIn { return (.identifier, literal) }
        return (token, literal)
    }

    private mutating func consume(values: Bool = true) -> (Token, String) {
        let item = lookahead(values: values)
        position += 1
        return item
    }

    mutating func parse() throws(SelectorError) -> [LabelRequirement] {
        var requirements: [LabelRequirement] = []
        while true {
            let (token, literal) = lookahead()
            switch token {
            case .identifier, .doesNotExist:
                do throws(SelectorError) {
                    requirements.append(try parseRequirement())
                } catch {
                    throw SelectorError("unable to parse requirement: \(error.message)")
                }
                let (next, nextLiteral) = consume()
                switch next {
                case .endOfString: return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead()
                    if after != .identifier && after != .doesNotExist {
                        throw SelectorError("found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw SelectorError("found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw SelectorError("found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(SelectorError) -> LabelRequirement {
        var op: LabelRequirement.Operator?
        var (token, key) = consume()
        if token == .doesNotExist {
            op = .doesNotExist
            (token, key) = consume()
        }
        guard token == .identifier else { throw SelectorError("found '\(key)', expected: identifier") }
        if let error = LabelValidation.keyError(key, path: "key") { throw SelectorError(error) }
        let (next, _) = lookahead()
        if op == .doesNotExist { return try LabelRequirement.make(key: key, op: .doesNotExist, values: []) }
        if next == .endOfString || next == .comma {
            return try LabelRequirement.make(key: key, op: .exists, values: [])
        }
        let (opToken, opLiteral) = consume(values: false)
        switch opToken {
        case .in: op = .in
        case .notIn: op = .notIn
        case .equals: op = .equals
        case .doubleEquals: op = .doubleEquals
        case .notEquals: op = .notEquals
        case .greaterThan: op = .greaterThan
        case .lessThan: op = .lessThan
        default: throw SelectorError("found '\(opLiteral)', expected: \(Self.binaryOperators)")
        }
        let values: [String]
        switch op! {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try LabelRequirement.make(key: key, op: op!, values: values)
    }

    /// `(a,b,c)`; duplicates collapse and the values come back sorted, as Go's sets do.
    private mutating func parseValues() throws(SelectorError) -> [String] {
        let (open, openLiteral) = consume()
        guard open == .openPar else { throw SelectorError("found '\(openLiteral)' expected: '('") }
        let (token, literal) = lookahead()
        switch token {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            guard consume().0 == .closedPar else { throw SelectorError("found '\(literal)', expected: ')'") }
            return Set(values).sorted()
        case .closedPar:
            _ = consume()
            return [""]
        default:
            throw SelectorError("found '\(literal)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifiersList() throws(SelectorError) -> [String] {
        var values: [String] = []
        while true {
            let (token, literal) = consume()
            switch token {
            case .identifier:
                values.append(literal)
                let (next, nextLiteral) = lookahead()
                switch next {
                case .comma: continue
                case .closedPar: return values
                default: throw SelectorError("found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.append("") }
                let (next, _) = lookahead()
                if next == .closedPar {
                    values.append("")
                    return values
                }
                if next == .comma {
                    _ = consume()
                    values.append("")
                }
            default:
                throw SelectorError("found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    private mutating func parseExactValue() throws(SelectorError) -> [String] {
        let (next, _) = lookahead()
        if next == .endOfString || next == .comma { return [""] }
        let (token, literal) = consume()
        guard token == .identifier else { throw SelectorError("found '\(literal)', expected: identifier") }
        return [literal]
    }

    // MARK: Lexer

    private struct Lexer {
        let bytes: [UInt8]
        var pos = 0

        static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
        static func isSpecial(_ c: UInt8) -> Bool { Array("=!(),><".utf8).contains(c) }

        mutating func read() -> UInt8 {
            guard pos < bytes.count else { return 0 }
            defer { pos += 1 }
            return bytes[pos]
        }

        mutating func lex() -> (Token, String) {
            var c = read()
            while Lexer.isWhitespace(c) { c = read() }
            if c == 0 { return (.endOfString, "") }
            pos -= 1
            return Lexer.isSpecial(c) ? scanSpecial() : scanIdentifier()
        }

        private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        private mutating func scanIdentifier() -> (Token, String) {
            let start = pos
            while pos < bytes.count, bytes[pos] != 0, !Lexer.isSpecial(bytes[pos]), !Lexer.isWhitespace(bytes[pos]) {
                pos += 1
            }
            let literal = text(start..<pos)
            return (LabelSelectorParser.keywords[literal] ?? .identifier, literal)
        }

        /// Longest run of special characters that is still an operator.
        private mutating func scanSpecial() -> (Token, String) {
            let start = pos
            var last: (Token, String)?
            while pos < bytes.count, Lexer.isSpecial(bytes[pos]) {
                let candidate = text(start..<(pos + 1))
                if let token = LabelSelectorParser.keywords[candidate] {
                    last = (token, candidate)
                } else if last != nil {
                    break
                }
                pos += 1
            }
            return last ?? (.error, "error expected: keyword found '\(text(start..<pos))'")
        }
    }
}
