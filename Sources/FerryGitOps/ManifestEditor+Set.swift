import FerryJSON

extension EditContext {
    /// Writes the value in place of the old one on its line (a trailing comment stays),
    /// or adds the missing keys as new lines at the end of the mapping that lacks them,
    /// at its indentation. Returns the document as it must read afterwards.
    func set(_ value: JSON, at target: ManifestTarget, in lines: inout ManifestLines) throws(ManifestEditError) -> JSON {
        if case .array = value { throw .typeMismatch(file, target.node.start, "set writes a single value, not a list") }
        if case .object = value { throw .typeMismatch(file, target.node.start, "set writes a single value, not a mapping") }
        if !target.missing.isEmpty { return try create(value, at: target, in: &lines) }

        let (written, text) = try typed(value, replacing: target)
        switch target.node {
        case .scalar(let scalar):
            let line = lines[scalar.start.line].characters
            let end = scalar.lastLine == scalar.start.line ? scalar.end : line.count
            let rewritten = String(line[..<scalar.start.column]) + text + String(line[end...])
            lines.replace(scalar.start.line..<(scalar.lastLine + 1), with: [rewritten])
        case .empty(let point):
            lines[point.line].text = Self.inserting(" " + text, into: lines[point.line].text, at: point.column)
        case .blockScalar(let block):
            let prefix = String(lines[block.header.line].characters[..<block.header.column])
            lines.replace(block.header.line..<(block.lastLine + 1), with: [prefix + text])
        case .mapping, .sequence, .flow:
            throw .typeMismatch(file, target.node.start, "\(path) is \(ManifestScalar.describe(target.json)); set writes a single value",
                                hint: "name a field inside it, or remove it first")
        }
        return updating(target.steps) { _ in written }
    }

    /// The value to write and its text. A string set on a number or a boolean keeps the
    /// field's type when it reads as one: plans carry every value as text.
    private func typed(_ value: JSON, replacing target: ManifestTarget) throws(ManifestEditError) -> (JSON, String) {
        let style: OutlineScalar.Style = if case .scalar(let scalar) = target.node { scalar.style } else { .plain }
        switch (value, target.json) {
        case (.string(let text), .int), (.string(let text), .double), (.string(let text), .bool):
            guard let parsed = try? JSON.parseYAML("k: \(text)\n")["k"], ManifestScalar.sameType(parsed, target.json),
                !text.contains("\n")
            else {
                throw .typeMismatch(
                    file, target.node.start,
                    "\(path) is \(ManifestScalar.describe(target.json)), and \"\(text)\" does not read as one",
                    hint: "write \(ManifestScalar.describe(target.json)), or remove the field and set it again to change its type")
            }
            return (parsed, text)
        default:
            guard let text = ManifestScalar.render(value, preferring: style) else {
                throw .typeMismatch(file, target.node.start, "\(value.serialized) cannot be written as a YAML scalar")
            }
            return (value, text)
        }
    }

    private func create(_ value: JSON, at target: ManifestTarget, in lines: inout ManifestLines) throws(ManifestEditError) -> JSON {
        guard let text = ManifestScalar.render(value) else {
            throw .typeMismatch(file, target.node.start, "\(value.serialized) cannot be written as a YAML scalar")
        }
        let indent: Int
        let after: Int
        switch target.node {
        case .mapping(let mapping):
            indent = mapping.indent
            after = blockEnd(mapping.entries.last?.lastLine ?? mapping.start.line, deeperThan: mapping.indent, in: lines)
        case .empty(let point):
            indent = ownerIndent(target, lines) + 2
            after = point.line
        case .flow(let flow) where flow.start.line == flow.end.line:
            // `nodeSelector: {}` becomes `nodeSelector:` with the new keys under it.
            let characters = lines[flow.start.line].characters
            var start = flow.start.column
            while start > 0, characters[start - 1] == " " { start -= 1 }
            lines[flow.start.line].text = String(characters[..<start]) + String(characters[flow.end.column...])
            indent = ownerIndent(target, lines) + 2
            after = flow.start.line
        case .flow(let flow):
            throw ManifestTarget.flowStyle(ManifestPath.display(path.components[..<target.hops.count]), flow, file: file)
        case .scalar, .blockScalar, .sequence:
            throw .typeMismatch(file, target.node.start, "\(path) cannot be created here")
        }
        var added: [String] = []
        for (depth, key) in target.missing.enumerated() {
            let last = depth == target.missing.count - 1
            added.append(Self.spaces(indent + 2 * depth) + ManifestScalar.renderKey(key) + ":" + (last ? " " + text : ""))
        }
        lines.insert(added, at: after + 1)
        return updating(target.steps) { _ in value }
    }

    /// The indentation of the key or dash that owns the target's node.
    private func ownerIndent(_ target: ManifestTarget, _ lines: ManifestLines) -> Int {
        guard let hop = target.hops.last else { return -2 }
        switch hop.container {
        case .mapping(let mapping): return mapping.indent
        case .sequence(let sequence): return sequence.indent
        default: return lines[target.node.start.line].indent
        }
    }
}
