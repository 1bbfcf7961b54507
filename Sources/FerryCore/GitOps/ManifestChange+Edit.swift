import FerryGitOps

extension MigrationPlan.ManifestChange {
    /// The change as FerryGitOps' editor makes it. A plan carries a `set` value as text;
    /// the editor writes it as a number or boolean when the field already holds one and
    /// the text reads as one, and quotes text YAML would read as another type.
    public var manifestEdit: ManifestEdit {
        let operation: ManifestEdit.Operation
        switch edit {
        case .set(let value): operation = .set(.string(value))
        case .remove: operation = .remove
        case .replace(let from, let to): operation = .replace(from: from, to: to)
        }
        // The parser has checked `document` is KIND/NAME; a hand-built plan with a bad one
        // gets a selector that matches no document, and so a "no document" error.
        let selector = document.map { DocumentSelector(parsing: $0) ?? DocumentSelector(kind: $0, name: "") }
        return ManifestEdit(document: selector, path: ManifestPath(parsing: path), operation: operation)
    }
}

extension MigrationPlan {
    /// The manifest changes grouped by file, files in the order the plan first names
    /// them and edits in plan order: each file is read once, edited in memory with all
    /// its changes, and written only when every change of every file could be made.
    public var manifestEditsByFile: [(file: String, edits: [ManifestEdit])] {
        var groups: [(file: String, edits: [ManifestEdit])] = []
        for change in manifestChanges {
            if let index = groups.firstIndex(where: { $0.file == change.file }) {
                groups[index].edits.append(change.manifestEdit)
            } else {
                groups.append((change.file, [change.manifestEdit]))
            }
        }
        return groups
    }
}
