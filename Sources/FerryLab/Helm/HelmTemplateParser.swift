import FerryJSON

/// Turns the lexer's pieces into a tree: `if`/`with` blocks with their `else` and
/// `end`, and pipelines of operands and function calls. Constructs outside the lab's
/// subset are refused here, by name, so that a chart fails before anything renders.
struct HelmTemplateParser {
    let file: String
    let pieces: [HelmTemplateLexer.Piece]
    private var index = 0

    init(file: String, pieces: [HelmTemplateLexer.Piece]) {
        self.file = file
        self.pieces = pieces
    }

    mutating func parseAll() throws(HelmTemplateError) -> [HelmTemplate.Node] {
        let (nodes, stop) = try parseBlock()
        if let stop { throw HelmTemplateError(file: file, line: stop.line, message: "unexpected {{\(stop.words)}}") }
        return nodes
    }

    /// Where a block ended: an `else`, `else if …` or `end` action.
    private struct Stop {
        var words: String
        var line: Int
    }

    private mutating func parseBlock() throws(HelmTemplateError) -> ([HelmTemplate.Node], Stop?) {
        var nodes: [HelmTemplate.Node] = []
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            switch piece {
            case .text(let text):
                nodes.append(.text(text))
            case .action(let words, let line):
                let keyword = words.prefix { !$0.isWhitespace }
                switch keyword {
                case "end", "else":
                    return (nodes, Stop(words: words, line: line))
                case "if", "with":
                    nodes.append(try parseBranch(isWith: keyword == "with", words.dropFirst(keyword.count), line: line))
                case "range", "define", "template", "block", "break", "continue":
                    throw HelmTemplateError.unsupported("action \"\(keyword)\"", file: file, line: line)
                default:
                    nodes.append(.output(try parsePipeline(Substring(words), line: line)))
                }
            }
        }
        return (nodes, nil)
    }

    /// `if PIPELINE` … [`else if PIPELINE` … | `else` …] `end`.
    private mutating func parseBranch(isWith: Bool, _ words: Substring, line: Int) throws(HelmTemplateError) -> HelmTemplate.Node {
        let name = isWith ? "with" : "if"
        let condition = try parsePipeline(words, line: line)
        let (then, stop) = try parseBlock()
        guard let stop else { throw HelmTemplateError(file: file, line: line, message: "unexpected EOF: {{\(name)}} has no {{end}}") }
        if stop.words == "end" { return .branch(isWith: isWith, condition, then: then, otherwise: []) }
        let rest = stop.words.dropFirst("else".count).drop { $0.isWhitespace }
        if rest.isEmpty {
            let (otherwise, end) = try parseBlock()
            guard end?.words == "end" else {
                throw HelmTemplateError(file: file, line: end?.line ?? stop.line, message: "expected {{end}} after {{else}}")
            }
            return .branch(isWith: isWith, condition, then: then, otherwise: otherwise)
        }
        guard !isWith, rest.hasPrefix("if"), rest.dropFirst(2).first?.isWhitespace == true else {
            throw HelmTemplateError.unsupported("{{\(stop.words)}}", file: file, line: stop.line)
        }
        // `else if` is an `if` inside the else branch sharing the outer `end`.
        let nested = try parseBranch(isWith: false, rest.dropFirst(2), line: stop.line)
        return .branch(isWith: false, condition, then: then, otherwise: [nested])
    }

    private func parsePipeline(_ words: Substring, line: Int) throws(HelmTemplateError) -> HelmTemplate.Pipeline {
        let tokens = try HelmTemplateTokenizer(file: file, line: line).tokens(words)
        var commands: [HelmTemplate.Command] = []
        for group in tokens.split(separator: .pipe, omittingEmptySubsequences: false) {
            guard let first = group.first else { throw HelmTemplateError(file: file, line: line, message: "missing command in pipeline") }
            if case .identifier(let name) = first, !["true", "false", "nil"].contains(name) {
                guard HelmTemplate.functions.contains(name) else {
                    throw HelmTemplateError.unsupported("function \"\(name)\"", file: file, line: line)
                }
                commands.append(.call(name, try group.dropFirst().map { token throws(HelmTemplateError) in try operand(token, line: line) }))
            } else {
                guard group.count == 1 else {
                    if case .field(let path) = first, !path.isEmpty {
                        throw HelmTemplateError.unsupported("a method call (\(first) with arguments)", file: file, line: line)
                    }
                    throw HelmTemplateError(file: file, line: line, message: "can't give argument to non-function \(first)")
                }
                commands.append(.operand(try operand(first, line: line)))
            }
        }
        if commands.isEmpty { throw HelmTemplateError(file: file, line: line, message: "missing value for command") }
        return HelmTemplate.Pipeline(commands: commands, line: line)
    }

    private func operand(_ token: HelmTemplateTokenizer.Token, line: Int) throws(HelmTemplateError) -> HelmTemplate.Operand {
        switch token {
        case .field(let path): return .field(path)
        case .literal(let value): return .literal(value)
        case .identifier("true"): return .literal(true)
        case .identifier("false"): return .literal(false)
        case .identifier("nil"): return .literal(.null)
        case .identifier(let name):
            // A function as an argument needs parentheses, which the subset lacks.
            throw HelmTemplateError.unsupported(
                HelmTemplate.functions.contains(name) ? "a function call as an argument (\(name))" : "function \"\(name)\"",
                file: file, line: line)
        case .pipe: throw HelmTemplateError(file: file, line: line, message: "unexpected |")
        }
    }
}
