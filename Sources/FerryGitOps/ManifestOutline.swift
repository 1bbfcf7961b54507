/// The block structure of one YAML document with where each node sits in the text:
/// what the editor needs to change a field by rewriting only its own lines.
///
/// Yams gives a node's start but not its end, so the outline is read from the lines
/// themselves, by indentation, for the block style Kubernetes manifests are written
/// in. It is only a guide: after every edit the new text is parsed again and must
/// mean exactly the old document with the one field changed (`ManifestEditor`).
indirect enum OutlineNode: Sendable {
    case mapping(OutlineMapping)
    case sequence(OutlineSequence)
    case scalar(OutlineScalar)
    case blockScalar(OutlineBlockScalar)
    case flow(OutlineFlow)
    /// Nothing written (`key:` alone): the point just after the colon or dash.
    case empty(ManifestPoint)

    var start: ManifestPoint {
        switch self {
        case .mapping(let mapping): mapping.start
        case .sequence(let sequence): sequence.start
        case .scalar(let scalar): scalar.start
        case .blockScalar(let block): block.header
        case .flow(let flow): flow.start
        case .empty(let point): point
        }
    }

    /// The last line holding any of the node's text.
    var lastLine: Int {
        switch self {
        case .mapping(let mapping): mapping.entries.last?.lastLine ?? mapping.start.line
        case .sequence(let sequence): sequence.items.last?.lastLine ?? sequence.start.line
        case .scalar(let scalar): scalar.lastLine
        case .blockScalar(let block): block.lastLine
        case .flow(let flow): flow.end.line
        case .empty(let point): point.line
        }
    }
}

struct OutlineMapping: Sendable {
    var start: ManifestPoint
    /// The column of every key.
    var indent: Int { start.column }
    var entries: [OutlineEntry]
}

struct OutlineEntry: Sendable {
    var key: String
    var keyStart: ManifestPoint
    /// The column just after the key's colon.
    var colonEnd: Int
    var value: OutlineNode
    var lastLine: Int { max(keyStart.line, value.lastLine) }
}

struct OutlineSequence: Sendable {
    var start: ManifestPoint
    /// The column of every item's dash.
    var indent: Int { start.column }
    var items: [OutlineItem]
}

struct OutlineItem: Sendable {
    var dash: ManifestPoint
    var value: OutlineNode
    var lastLine: Int { max(dash.line, value.lastLine) }
}

struct OutlineScalar: Sendable {
    enum Style: Sendable { case plain, singleQuoted, doubleQuoted }
    var style: Style
    var start: ManifestPoint
    /// The column just after the scalar on its first line (before spaces and a comment).
    var end: Int
    /// Greater than `start.line` for a scalar continued on the next lines.
    var lastLine: Int
}

struct OutlineBlockScalar: Sendable {
    /// Where `|` or `>` is.
    var header: ManifestPoint
    var literal: Bool
    /// The indentation of the content lines; nil for an empty block.
    var contentIndent: Int?
    /// The last non-blank content line (the header's line for an empty block).
    var lastLine: Int
}

struct OutlineFlow: Sendable {
    var start: ManifestPoint
    /// Just after the closing bracket.
    var end: ManifestPoint
    /// `{}` or `[]`.
    var isEmpty: Bool
}

/// Reads one document's lines into an `OutlineNode`.
struct OutlineScanner {
    let lines: ManifestLines
    /// The document's lines.
    let range: Range<Int>
    let file: String

    /// The document's root; nil when it has no content.
    func root() throws(ManifestEditError) -> OutlineNode? {
        guard let first = nextContent(from: range.lowerBound) else { return nil }
        return try node(at: ManifestPoint(line: first, column: lines[first].indent), parentIndent: -1)
    }

    func nextContent(from line: Int) -> Int? {
        var index = line
        while index < range.upperBound {
            if !lines[index].isBlankOrComment { return index }
            index += 1
        }
        return nil
    }

    func isDash(_ characters: [Character], _ column: Int) -> Bool {
        column < characters.count && characters[column] == "-"
            && (column + 1 == characters.count || characters[column + 1] == " ")
    }

    func skipSpaces(_ characters: [Character], from column: Int) -> Int {
        var index = column
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
        return index
    }

    func node(at point: ManifestPoint, parentIndent: Int) throws(ManifestEditError) -> OutlineNode {
        let characters = lines[point.line].characters
        let first = characters[point.column]
        if isDash(characters, point.column) { return .sequence(try sequence(at: point)) }
        if first == "[" || first == "{" { return .flow(try flow(at: point)) }
        if first == "|" || first == ">" { return .blockScalar(blockScalar(at: point, parentIndent: parentIndent)) }
        if first == "&" || first == "!" {
            // An anchor or a tag: the node is what follows it (a set replaces both).
            var after = point.column
            while after < characters.count, characters[after] != " " { after += 1 }
            after = skipSpaces(characters, from: after)
            if after == characters.count || characters[after] == "#" {
                return try nested(after: point.line, ownerIndent: parentIndent, sameIndentSequence: false)
                    ?? .empty(ManifestPoint(line: point.line, column: characters.count))
            }
            var inner = try node(at: ManifestPoint(line: point.line, column: after), parentIndent: parentIndent)
            if case .scalar(var scalar) = inner {
                scalar.start = point
                inner = .scalar(scalar)
            }
            return inner
        }
        if first == "?", point.column + 1 == characters.count || characters[point.column + 1] == " " {
            throw .notEditableInPlace(file, point, "complex mapping keys (\"? \") are not supported",
                                      hint: "write the key on one line, as \"key: value\"")
        }
        if mappingKey(characters, point.column) != nil { return .mapping(try mapping(at: point)) }
        return .scalar(try scalar(at: point, parentIndent: parentIndent))
    }

    /// A node that starts on a later line, indented deeper than its owner (or, for a
    /// list under a key, at the key's own indentation, which YAML allows).
    func nested(after line: Int, ownerIndent: Int, sameIndentSequence: Bool) throws(ManifestEditError) -> OutlineNode? {
        guard let next = nextContent(from: line + 1) else { return nil }
        let indent = lines[next].indent
        guard indent > ownerIndent || sameIndentSequence && indent == ownerIndent && isDash(lines[next].characters, indent)
        else { return nil }
        return try node(at: ManifestPoint(line: next, column: indent), parentIndent: ownerIndent)
    }

    /// The key of a `key: value` entry starting at `column`, and the colon's column.
    func mappingKey(_ characters: [Character], _ column: Int) -> (key: String, colon: Int)? {
        guard column < characters.count else { return nil }
        let first = characters[column]
        func colonAt(_ index: Int) -> Bool {
            index < characters.count && characters[index] == ":"
                && (index + 1 == characters.count || characters[index + 1] == " " || characters[index + 1] == "\t")
        }
        if first == "\"" || first == "'" {
            guard let close = closingQuote(characters, from: column) else { return nil }
            let colon = skipSpaces(characters, from: close + 1)
            guard colonAt(colon) else { return nil }
            let raw = String(characters[(column + 1)..<close])
            return (first == "'" ? raw.replacingOccurrences(of: "''", with: "'") : ManifestScalar.unescape(raw), colon)
        }
        if "#[]{}|>!&*%@`,".contains(first) || isDash(characters, column) { return nil }
        var index = column
        while index < characters.count {
            if colonAt(index) {
                let key = String(characters[column..<index])
                return (String(key.reversed().drop { $0 == " " }.reversed()), index)
            }
            if characters[index] == "#", index > column, characters[index - 1] == " " { return nil }
            index += 1
        }
        return nil
    }

    /// The index of the quote that closes the one at `column`, on the same line.
    func closingQuote(_ characters: [Character], from column: Int) -> Int? {
        let quote = characters[column]
        var index = column + 1
        while index < characters.count {
            let character = characters[index]
            if quote == "\"", character == "\\" {
                index += 2
                continue
            }
            if character == quote {
                if quote == "'", index + 1 < characters.count, characters[index + 1] == "'" {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }

    func mapping(at start: ManifestPoint) throws(ManifestEditError) -> OutlineMapping {
        var entries: [OutlineEntry] = []
        var line = start.line
        while true {
            let characters = lines[line].characters
            guard let (key, colon) = mappingKey(characters, start.column) else { break }
            let after = skipSpaces(characters, from: colon + 1)
            let value: OutlineNode
            if after == characters.count || characters[after] == "#" {
                value = try nested(after: line, ownerIndent: start.column, sameIndentSequence: true)
                    ?? .empty(ManifestPoint(line: line, column: colon + 1))
            } else {
                value = try node(at: ManifestPoint(line: line, column: after), parentIndent: start.column)
            }
            let entry = OutlineEntry(
                key: key, keyStart: ManifestPoint(line: line, column: start.column), colonEnd: colon + 1, value: value)
            entries.append(entry)
            guard let next = nextContent(from: entry.lastLine + 1), lines[next].indent == start.column,
                mappingKey(lines[next].characters, start.column) != nil
            else { break }
            line = next
        }
        return OutlineMapping(start: start, entries: entries)
    }

    func sequence(at start: ManifestPoint) throws(ManifestEditError) -> OutlineSequence {
        var items: [OutlineItem] = []
        var line = start.line
        while true {
            let characters = lines[line].characters
            let after = skipSpaces(characters, from: start.column + 1)
            let value: OutlineNode
            if after == characters.count || characters[after] == "#" {
                value = try nested(after: line, ownerIndent: start.column, sameIndentSequence: false)
                    ?? .empty(ManifestPoint(line: line, column: start.column + 1))
            } else {
                value = try node(at: ManifestPoint(line: line, column: after), parentIndent: start.column)
            }
            let item = OutlineItem(dash: ManifestPoint(line: line, column: start.column), value: value)
            items.append(item)
            guard let next = nextContent(from: item.lastLine + 1), lines[next].indent == start.column,
                isDash(lines[next].characters, start.column)
            else { break }
            line = next
        }
        return OutlineSequence(start: start, items: items)
    }

    func scalar(at start: ManifestPoint, parentIndent: Int) throws(ManifestEditError) -> OutlineScalar {
        let characters = lines[start.line].characters
        let first = characters[start.column]
        if first == "\"" || first == "'" {
            let style: OutlineScalar.Style = first == "'" ? .singleQuoted : .doubleQuoted
            if let close = closingQuote(characters, from: start.column) {
                return OutlineScalar(style: style, start: start, end: close + 1, lastLine: start.line)
            }
            // A quoted scalar over several lines: it ends where its quote closes.
            var line = start.line + 1
            while line < range.upperBound {
                if lines[line].text.contains(first) { break }
                line += 1
            }
            return OutlineScalar(style: style, start: start, end: characters.count, lastLine: min(line, range.upperBound - 1))
        }
        var end = characters.count
        var index = start.column
        while index < characters.count {
            if characters[index] == "#", index > start.column, characters[index - 1] == " " {
                end = index
                break
            }
            index += 1
        }
        while end > start.column, characters[end - 1] == " " || characters[end - 1] == "\t" { end -= 1 }
        // A plain scalar continues on the following lines indented deeper than its owner.
        var lastLine = start.line
        while let next = nextContent(from: lastLine + 1), lines[next].indent > parentIndent {
            lastLine = next
        }
        return OutlineScalar(style: .plain, start: start, end: end, lastLine: lastLine)
    }

    func blockScalar(at header: ManifestPoint, parentIndent: Int) -> OutlineBlockScalar {
        let characters = lines[header.line].characters
        var explicit: Int?
        var index = header.column + 1
        while index < characters.count, characters[index] != " " {
            if let digit = characters[index].wholeNumberValue { explicit = digit }
            index += 1
        }
        var contentIndent: Int?
        if let explicit {
            contentIndent = max(parentIndent, 0) + explicit
        } else {
            var line = header.line + 1
            while line < range.upperBound, lines[line].isBlank { line += 1 }
            if line < range.upperBound, lines[line].indent > parentIndent { contentIndent = lines[line].indent }
        }
        var lastLine = header.line
        if let contentIndent {
            var line = header.line + 1
            while line < range.upperBound {
                if lines[line].isBlank {
                    line += 1
                    continue
                }
                guard lines[line].indent >= contentIndent else { break }
                lastLine = line
                line += 1
            }
        }
        return OutlineBlockScalar(
            header: header, literal: characters[header.column] == "|", contentIndent: contentIndent, lastLine: lastLine)
    }

    func flow(at start: ManifestPoint) throws(ManifestEditError) -> OutlineFlow {
        var depth = 0
        var line = start.line
        var column = start.column
        var quote: Character?
        var content = false
        while line < range.upperBound {
            let characters = lines[line].characters
            while column < characters.count {
                let character = characters[column]
                if let open = quote {
                    if open == "\"", character == "\\" {
                        column += 1
                    } else if character == open {
                        quote = nil
                    }
                } else if character == "\"" || character == "'" {
                    quote = character
                    content = true
                } else if character == "#", column > 0, characters[column - 1] == " " {
                    break
                } else if character == "[" || character == "{" {
                    depth += 1
                    if depth > 1 { content = true }
                } else if character == "]" || character == "}" {
                    depth -= 1
                    if depth == 0 {
                        return OutlineFlow(
                            start: start, end: ManifestPoint(line: line, column: column + 1), isEmpty: !content)
                    }
                } else if character != " " {
                    content = true
                }
                column += 1
            }
            line += 1
            column = 0
        }
        throw .syntax(file, start, "this flow collection is not closed")
    }
}
