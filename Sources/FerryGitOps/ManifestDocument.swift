import FerryJSON

/// One document of a manifest file (between `---` lines): its lines, what it means
/// (`json`) and where each of its nodes is written (`root`).
struct ManifestDocument: Sendable {
    var range: Range<Int>
    var json: JSON
    var root: OutlineNode

    /// `Deployment/frigate`, or the document's first line when it has no kind and name.
    var label: String {
        if let kind = json["kind"].stringValue, let name = json["metadata"]["name"].stringValue { return "\(kind)/\(name)" }
        return "the document at line \(root.start.line + 1)"
    }

    /// Every document with content, in file order. The whole text must be valid YAML.
    static func read(_ lines: ManifestLines, file: String) throws(ManifestEditError) -> [ManifestDocument] {
        do {
            _ = try JSON.parseYAMLDocuments(lines.text)
        } catch {
            let point = ManifestPoint(line: max((error.line ?? 1) - 1, 0), column: max((error.column ?? 1) - 1, 0))
            throw .syntax(file, point, error.problem)
        }
        var documents: [ManifestDocument] = []
        var start = 0
        for index in 0...lines.count {
            let isMarker = index < lines.count && (isMarker(lines[index].text, "---") || isMarker(lines[index].text, "..."))
            guard index == lines.count || isMarker else { continue }
            if index < lines.count {
                let rest = lines[index].text.dropFirst(3).drop { $0 == " " || $0 == "\t" }
                if !rest.isEmpty, rest.first != "#" {
                    throw .notEditableInPlace(file, ManifestPoint(line: index, column: 4),
                                              "content on a \"\(lines[index].text.prefix(3))\" line is not supported",
                                              hint: "start the document on the line after the separator")
                }
            }
            if let document = try document(lines, start..<index, file: file) { documents.append(document) }
            start = index + 1
        }
        return documents
    }

    private static func isMarker(_ text: String, _ marker: String) -> Bool {
        guard text.hasPrefix(marker) else { return false }
        let next = text.dropFirst(3).first
        return next == nil || next == " " || next == "\t"
    }

    private static func document(
        _ lines: ManifestLines, _ range: Range<Int>, file: String
    ) throws(ManifestEditError) -> ManifestDocument? {
        let scanner = OutlineScanner(lines: lines, range: range, file: file)
        guard let root = try scanner.root() else { return nil }
        var text = ""
        for index in range { text += lines[index].text + "\n" }
        do {
            return ManifestDocument(range: range, json: try JSON.parseYAML(text), root: root)
        } catch {
            let point = ManifestPoint(line: range.lowerBound + max((error.line ?? 1) - 1, 0), column: max((error.column ?? 1) - 1, 0))
            throw .syntax(file, point, error.problem)
        }
    }
}
