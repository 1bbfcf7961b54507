import FerryJSON

extension EditContext {
    /// Removes the field's key line and its whole block, comment lines inside the block
    /// included; the comment lines above the key stay, because a comment there often
    /// introduces a group of fields rather than the one removed (unless the removal
    /// empties their mapping or list: then nothing is left for them to describe).
    ///
    /// A mapping left with no field is written `{}`, and a list left with no item `[]`:
    /// `remove` deletes exactly what it names, as `kubectl patch --type=json` does.
    /// Removing the parent as well would read more tidily for `limits:`, but for
    /// `emptyDir: {medium: Memory}` it would change what the volume is; Kubernetes reads
    /// an empty `limits: {}` as no limits, and the diff shows it. To drop the parent
    /// too, remove it with its own change.
    func remove(_ target: ManifestTarget, in lines: inout ManifestLines) throws(ManifestEditError) -> JSON {
        guard let hop = target.hops.last else {
            throw .notEditableInPlace(file, target.node.start, "a change cannot remove a whole document",
                                      hint: "delete the document or the file by hand")
        }
        let owner = target.hops.dropLast().last
        switch hop.container {
        case .mapping(let mapping):
            let entry = mapping.entries[hop.index]
            let start = entry.keyStart.line
            let end = blockEnd(entry.lastLine, deeperThan: mapping.indent, in: lines)
            // `- name: frigate`: the key shares its line with the list item's dash.
            let compact = entry.keyStart.column > lines[start].indent
            if mapping.entries.count == 1 {
                if compact {
                    let dash = String(lines[start].characters[..<entry.keyStart.column])
                    lines.replace(start..<(end + 1), with: [dash + "{}"])
                } else {
                    try emptied(owner, marker: "{}", removing: start..<(end + 1), in: &lines)
                }
            } else if compact, hop.index == 0 {
                let dash = String(lines[start].characters[..<entry.keyStart.column])
                let next = mapping.entries[1].keyStart.line - (end + 1 - start)
                lines.replace(start..<(end + 1), with: [])
                lines[next].text = dash + String(lines[next].characters[entry.keyStart.column...])
            } else {
                lines.replace(start..<(end + 1), with: [])
            }
        case .sequence(let sequence):
            let item = sequence.items[hop.index]
            let start = item.dash.line
            guard lines[start].indent == item.dash.column else {
                throw .notEditableInPlace(file, item.dash, "this list item shares its line with another item's dash",
                                          hint: "put each \"- \" on its own line")
            }
            let end = blockEnd(item.lastLine, deeperThan: sequence.indent, in: lines)
            if sequence.items.count == 1 {
                try emptied(owner, marker: "[]", removing: start..<(end + 1), in: &lines)
            } else {
                lines.replace(start..<(end + 1), with: [])
            }
        default:
            throw .notEditableInPlace(file, target.node.start, "\(path) cannot be removed here")
        }
        return updating(target.steps) { _ in nil }
    }

    /// Removes the last field or item of a collection, with the comment lines of the
    /// collection's body, and writes `{}` or `[]` after the key or dash that owns it.
    private func emptied(
        _ owner: ManifestTarget.Hop?, marker: String, removing range: Range<Int>, in lines: inout ManifestLines
    ) throws(ManifestEditError) {
        let point: ManifestPoint
        switch owner?.container {
        case .mapping(let mapping)?:
            let entry = mapping.entries[owner?.index ?? 0]
            point = ManifestPoint(line: entry.keyStart.line, column: entry.colonEnd)
        case .sequence(let sequence)?:
            let item = sequence.items[owner?.index ?? 0]
            point = ManifestPoint(line: item.dash.line, column: item.dash.column + 1)
        default:
            throw .notEditableInPlace(file, ManifestPoint(line: range.lowerBound, column: 0),
                                      "removing \(path) would leave the document empty",
                                      hint: "delete the document or the file by hand")
        }
        // The emptied collection's comment lines go with it: they described what is gone.
        lines.replace((point.line + 1)..<range.upperBound, with: [])
        lines[point.line].text = Self.inserting(" " + marker, into: lines[point.line].text, at: point.column)
    }
}
