import FerryJSON

extension EditContext {
    /// Replaces every occurrence of `from` in a string field. Inside a block scalar
    /// (`config.yml: |`) only the lines an occurrence touches are rewritten, at the
    /// block's indentation, so the rest of the embedded file keeps its bytes.
    func replace(
        _ from: String, with to: String, at target: ManifestTarget, in lines: inout ManifestLines
    ) throws(ManifestEditError) -> JSON {
        guard case .string(let value) = target.json else {
            throw .typeMismatch(file, target.node.start,
                                "\(path) is \(ManifestScalar.describe(target.json)), and replace works inside text",
                                hint: "use set to change the whole value")
        }
        guard !from.isEmpty, value.contains(from) else {
            throw .textNotFound(file, target.node.start, "\(path) does not contain \"\(from)\"",
                                hint: "the text is matched exactly, case and spaces included")
        }
        let replaced = value.replacingOccurrences(of: from, with: to)
        switch target.node {
        case .scalar(let scalar) where scalar.lastLine == scalar.start.line:
            let line = lines[scalar.start.line].characters
            let text = ManifestScalar.render(string: replaced, preferring: scalar.style)
            lines[scalar.start.line].text = String(line[..<scalar.start.column]) + text + String(line[scalar.end...])
        case .blockScalar(let block):
            try replaceInBlock(block, from, to, in: &lines)
        default:
            throw .notEditableInPlace(file, target.node.start, "\(path) is a scalar written over several lines",
                                      hint: "write it as a block scalar (\"|\") or on one line, commit, and run again")
        }
        return updating(target.steps) { _ in .string(replaced) }
    }

    private func replaceInBlock(
        _ block: OutlineBlockScalar, _ from: String, _ to: String, in lines: inout ManifestLines
    ) throws(ManifestEditError) {
        guard let indent = block.contentIndent else { return }
        let first = block.header.line + 1
        let contents = (first...block.lastLine).map { lines[$0].isBlank ? "" : String(lines[$0].text.dropFirst(indent)) }
        let decoded = contents.joined(separator: "\n")
        // Which content lines each occurrence touches, merged where they overlap.
        var groups: [ClosedRange<Int>] = []
        for range in decoded.ranges(of: from) {
            let top = decoded[..<range.lowerBound].count { $0 == "\n" }
            let bottom = top + decoded[range].count { $0 == "\n" }
            if let last = groups.last, last.upperBound >= top {
                groups[groups.count - 1] = last.lowerBound...max(last.upperBound, bottom)
            } else {
                groups.append(top...bottom)
            }
        }
        if !block.literal, groups.contains(where: { $0.count > 1 }) || to.contains("\n") {
            throw .notEditableInPlace(file, block.header, "the text crosses a line break of a folded block (\">\")",
                                      hint: "replace a text that lies within one line")
        }
        for group in groups.reversed() {
            let text = contents[group].joined(separator: "\n").replacingOccurrences(of: from, with: to)
            let rewritten = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.isEmpty ? "" : Self.spaces(indent) + $0
            }
            lines.replace((first + group.lowerBound)..<(first + group.upperBound + 1), with: rewritten)
        }
    }
}
