import FerryJSON

/// Applies `ManifestEdit`s to a manifest's text, keeping every comment and every
/// untouched line byte for byte, as a person editing the file would.
///
/// Parsing the YAML and writing it out again would lose comments, reorder keys and
/// re-quote values; instead each edit rewrites only the lines of the field it changes,
/// found through an outline of the file's block structure. The edited text is then
/// parsed again and must mean exactly the old document with that one field changed;
/// if it does not (a layout the outline misread), the edit fails and nothing changes.
public enum ManifestEditor {
    /// The text with every edit applied in order; the first edit that fails stops it all.
    public static func apply(_ edits: [ManifestEdit], to text: String, file: String) throws(ManifestEditError) -> String {
        var text = text
        for edit in edits { text = try apply(edit, to: text, file: file) }
        return text
    }

    public static func apply(_ edit: ManifestEdit, to text: String, file: String) throws(ManifestEditError) -> String {
        var lines = ManifestLines(text)
        let documents = try ManifestDocument.read(lines, file: file)
        let (chosen, target) = try locate(edit, in: documents, file: file)
        let document = documents[chosen]
        let context = EditContext(file: file, path: edit.path, document: document)
        let expected: JSON
        switch edit.operation {
        case .set(let value):
            expected = try context.set(value, at: target, in: &lines)
        case .remove:
            expected = try context.remove(target, in: &lines)
        case .replace(let from, let to):
            expected = try context.replace(from, with: to, at: target, in: &lines)
        }
        try verify(lines, expected: expected, at: chosen, old: documents, target: target, edit: edit, file: file)
        return lines.text
    }

    /// The document the edit applies to (named, or the only one where the path leads
    /// somewhere) and where in it.
    static func locate(
        _ edit: ManifestEdit, in documents: [ManifestDocument], file: String
    ) throws(ManifestEditError) -> (Int, ManifestTarget) {
        let creating = if case .set = edit.operation { true } else { false }
        guard !documents.isEmpty else {
            throw .notFound(file, ManifestPoint(line: 0, column: 0), "the file has no YAML document")
        }
        if let selector = edit.document {
            let matches = documents.indices.filter { selector.matches(documents[$0].json) }
            guard let first = matches.first else {
                throw .notFound(file, ManifestPoint(line: 0, column: 0), "no document in the file is \(selector)",
                                hint: "the file holds " + ManifestTarget.list(documents.map(\.label)))
            }
            if matches.count > 1 {
                throw .ambiguousDocument(file, documents[matches[1]].root.start, "\(matches.count) documents are \(selector)",
                                         hint: "ferry cannot tell them apart; keep one document per kind and name")
            }
            return (first, try ManifestTarget.resolve(edit.path, in: documents[first], creating: creating, file: file))
        }
        if documents.count == 1 {
            return (0, try ManifestTarget.resolve(edit.path, in: documents[0], creating: creating, file: file))
        }
        var found: [(Int, ManifestTarget)] = []
        var firstError: ManifestEditError?
        for index in documents.indices {
            do {
                found.append((index, try ManifestTarget.resolve(edit.path, in: documents[index], creating: creating, file: file)))
            } catch {
                firstError = firstError ?? error
            }
        }
        guard found.count == 1 else {
            if found.isEmpty, let firstError { throw firstError }
            let labels = found.map { documents[$0.0].label }
            throw .ambiguousDocument(
                file, documents[found[1].0].root.start, "\(edit.path) is in \(found.count) documents of the file",
                hint: "name one with document: KIND/NAME (" + labels.joined(separator: ", ") + ")")
        }
        return found[0]
    }

    /// The safety net: the new text, read again, must be the old documents with only
    /// the edited one changed, and changed exactly as the edit says.
    static func verify(
        _ lines: ManifestLines, expected: JSON, at chosen: Int, old: [ManifestDocument], target: ManifestTarget,
        edit: ManifestEdit, file: String
    ) throws(ManifestEditError) {
        var wanted = old.map(\.json)
        wanted[chosen] = expected
        let failure = ManifestEditError.notEditableInPlace(
            file, target.node.start, "ferry could not change \(edit.path) here without changing the file's other content",
            hint: "make this change by hand (its layout is one ferry does not edit in place)")
        let documents: [ManifestDocument]
        do {
            documents = try ManifestDocument.read(lines, file: file)
        } catch {
            throw failure
        }
        guard documents.map(\.json) == wanted else { throw failure }
    }
}

/// What every operation needs to know: the file, the path (for messages), the
/// document (for its line range).
struct EditContext {
    let file: String
    let path: ManifestPath
    let document: ManifestDocument

    /// The document's JSON with the value at `steps` changed; `change` returns nil to remove it.
    func updating(_ steps: [ManifestTarget.JSONStep], _ change: (JSON?) -> JSON?) -> JSON {
        Self.updating(document.json, steps[...], change)
    }

    private static func updating(
        _ json: JSON, _ steps: ArraySlice<ManifestTarget.JSONStep>, _ change: (JSON?) -> JSON?
    ) -> JSON {
        guard let step = steps.first else { return change(json) ?? .null }
        let rest = steps.dropFirst()
        switch step {
        case .key(let key):
            var object = json.objectValue ?? [:]
            object[key] = rest.isEmpty ? change(object[key]) : updating(object[key] ?? .null, rest, change)
            return .object(object)
        case .index(let index):
            var array = json.arrayValue ?? []
            guard array.indices.contains(index) else { return json }
            if rest.isEmpty {
                if let value = change(array[index]) { array[index] = value } else { array.remove(at: index) }
            } else {
                array[index] = updating(array[index], rest, change)
            }
            return .array(array)
        }
    }

    /// The last line of a node's block, with the comment lines right after it that are
    /// indented under it (they belong to its body, such as a commented-out last field).
    func blockEnd(_ lastLine: Int, deeperThan indent: Int, in lines: ManifestLines) -> Int {
        var end = lastLine
        while end + 1 < document.range.upperBound, !lines[end + 1].isBlank, lines[end + 1].isBlankOrComment,
            lines[end + 1].indent > indent
        {
            end += 1
        }
        return end
    }

    /// `text` with `insert` put at `column`.
    static func inserting(_ insert: String, into text: String, at column: Int) -> String {
        let characters = Array(text)
        return String(characters[..<min(column, characters.count)]) + insert + String(characters[min(column, characters.count)...])
    }

    static func spaces(_ count: Int) -> String { String(repeating: " ", count: max(count, 0)) }
}
