import Yams

/// Turns one composed YAML document into `JSON`, with a bound on what aliases add.
///
/// Yams resolves an alias to the very node its anchor names, so composing is cheap
/// even for a "billion laughs" document (anchors whose values repeat earlier aliases);
/// it is the copy into `JSON` that writes every repetition out, and nine levels of
/// nine took minutes and gigabytes. The converter counts the nodes it makes inside
/// an alias and stops at `aliasNodeLimit`, naming the alias (as written in the
/// document, not inside another alias) whose expansion passed the limit.
///
/// Yams keeps a node's anchor only while it parses (a weak reference), so an alias is
/// told by its position instead: walked in document order, every node written in the
/// text starts after the ones before it, and an alias is a node that starts earlier.
struct YAMLNodeConverter {
    /// Far more than hand-written YAML repeats through aliases (a manifest's shared
    /// labels, a kubeconfig's user), and little enough to reach in milliseconds.
    static let aliasNodeLimit = 100_000

    private let text: String
    /// The text's lines as scalars (libyaml counts columns in scalars), split at the first alias.
    private var lines: [[Unicode.Scalar]]?
    private let limit: Int
    /// The furthest start of a node (or mapping key) written in the text met so far.
    private var furthest = YAMLPosition(line: 0, column: 0)
    private var aliasNodes = 0
    /// Where the alias being expanded is written, while one is; nested aliases count against it.
    private var expanding: YAMLPosition?
    /// Where the last alias found is written: the next item of a sequence is after it.
    private var lastAlias: YAMLPosition?

    init(text: String, limit: Int = aliasNodeLimit) {
        self.text = text
        self.limit = limit
    }

    /// `after` is the nearest position known before the node (its mapping key, the
    /// sequence or the previous item), where the search for an alias's `*name` starts.
    mutating func convert(_ node: Node, after: YAMLPosition? = nil) throws(YAMLSyntaxError) -> JSON {
        let outermostAlias = expanding == nil ? aliasPosition(of: node, after: after) : nil
        if let outermostAlias { expanding = outermostAlias }
        defer { if outermostAlias != nil { expanding = nil } }
        if let expanding {
            aliasNodes += 1
            if aliasNodes > limit {
                throw YAMLSyntaxError(
                    line: expanding.line, column: expanding.column,
                    problem: "aliases here expand the document past \(limit) nodes (a \"billion laughs\" document?)",
                    hint: "a plan or a manifest has no need for aliases that deep; write the values out")
            }
        }
        switch node {
        case .scalar(let scalar):
            return JSON.scalar(scalar)
        case .sequence(let sequence):
            var items: [JSON] = []
            var previous = node.mark.map(YAMLPosition.init)
            for item in sequence {
                lastAlias = nil
                items.append(try convert(item, after: previous))
                if let alias = lastAlias {
                    previous = YAMLPosition(line: alias.line, column: alias.column + 1)
                } else if let mark = item.mark {
                    previous = YAMLPosition(mark)
                }
            }
            return .array(items)
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
                let keyPosition = key.mark.map(YAMLPosition.init)
                if expanding == nil, let keyPosition { advance(to: keyPosition) }
                object[name] = try convert(value, after: keyPosition)
            }
            return .object(object)
        case .alias(let alias):
            throw YAMLSyntaxError(line: alias.mark?.line, column: alias.mark?.column, problem: "YAML aliases are not supported")
        }
    }

    /// Where `*name` is written when `node` is an alias, nil when it is written where it is.
    private mutating func aliasPosition(of node: Node, after: YAMLPosition?) -> YAMLPosition? {
        guard let mark = node.mark else { return nil }
        let start = YAMLPosition(mark)
        guard (start.line, start.column) < (furthest.line, furthest.column) else {
            advance(to: start)
            return nil
        }
        let position = find("*" + anchorName(at: start), after: after) ?? after ?? start
        lastAlias = position
        return position
    }

    private mutating func advance(to position: YAMLPosition) {
        if (furthest.line, furthest.column) < (position.line, position.column) { furthest = position }
    }

    /// The anchor's name from its `&name` at the start of the node it names; empty
    /// when the text there is something else (then any alias will do).
    private mutating func anchorName(at start: YAMLPosition) -> String {
        guard let line = scalars(line: start.line), start.column >= 1, start.column <= line.count,
            line[start.column - 1] == "&"
        else { return "" }
        return String(String.UnicodeScalarView(line[start.column...].prefix(while: Self.isAnchorCharacter)))
    }

    private mutating func scalars(line: Int) -> [Unicode.Scalar]? {
        if lines == nil {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        }
        guard let lines, line >= 1, line <= lines.count else { return nil }
        return lines[line - 1]
    }

    /// The first `token` at or after `start` that no other anchor character follows.
    private mutating func find(_ token: String, after start: YAMLPosition?) -> YAMLPosition? {
        guard let start, start.line >= 1 else { return nil }
        let token = Array(token.unicodeScalars)
        var lineNumber = start.line
        while let scalars = scalars(line: lineNumber) {
            defer { lineNumber += 1 }
            var column = lineNumber == start.line ? max(start.column - 1, 0) : 0
            while column + token.count <= scalars.count {
                let end = column + token.count
                let nameEnds = end == scalars.count || !Self.isAnchorCharacter(scalars[end])
                if scalars[column..<end].elementsEqual(token), token.count == 1 ? !nameEnds : nameEnds {
                    return YAMLPosition(line: lineNumber, column: column + 1)
                }
                column += 1
            }
        }
        return nil
    }

    private static func isAnchorCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
    }
}

extension YAMLPosition {
    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }
}
