/// A place in a manifest, line and column counted from 0 (errors print them from 1).
/// Columns count characters, as YAML's indentation does.
struct ManifestPoint: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// A manifest's text as lines, each keeping its own line ending, so that an edit
/// replaces whole lines and every other byte (CRLF endings, a missing final newline,
/// trailing spaces) comes back exactly as it was read.
struct ManifestLines: Sendable, Hashable {
    struct Line: Sendable, Hashable {
        /// The line without its ending.
        var text: String
        /// `"\n"`, `"\r\n"`, or `""` for a last line with no newline.
        var ending: String

        var characters: [Character] { Array(text) }

        /// Leading spaces.
        var indent: Int { text.prefix { $0 == " " }.count }

        var isBlank: Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }

        /// Blank, or nothing but a comment: lines that carry no YAML content.
        var isBlankOrComment: Bool {
            let content = text.drop { $0 == " " || $0 == "\t" }
            return content.isEmpty || content.first == "#"
        }
    }

    var lines: [Line]

    init(_ text: String) {
        var lines: [Line] = []
        var bytes = Array(text.utf8)[...]
        while let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            var content = bytes[bytes.startIndex..<newline]
            var ending = "\n"
            if content.last == UInt8(ascii: "\r") {
                content = content.dropLast()
                ending = "\r\n"
            }
            lines.append(Line(text: String(decoding: content, as: UTF8.self), ending: ending))
            bytes = bytes[(newline + 1)...]
        }
        if !bytes.isEmpty { lines.append(Line(text: String(decoding: bytes, as: UTF8.self), ending: "")) }
        self.lines = lines
    }

    var text: String {
        var out = ""
        for line in lines { out += line.text + line.ending }
        return out
    }

    /// The ending new lines get: the file's first one, so that a CRLF file stays CRLF.
    var newline: String { lines.first { !$0.ending.isEmpty }?.ending ?? "\n" }

    var count: Int { lines.count }

    subscript(index: Int) -> Line {
        get { lines[index] }
        set { lines[index] = newValue }
    }

    /// Replaces `range` with lines that take the file's line ending; a replaced last
    /// line without a newline stays without one.
    mutating func replace(_ range: Range<Int>, with texts: [String]) {
        let lastEnding = range.isEmpty ? newline : lines[range.upperBound - 1].ending
        var replacement = texts.map { Line(text: $0, ending: newline) }
        if range.upperBound == lines.count, !replacement.isEmpty, lastEnding.isEmpty {
            replacement[replacement.count - 1].ending = ""
        }
        if range.upperBound == lines.count, replacement.isEmpty, range.lowerBound > 0, lastEnding.isEmpty {
            lines[range.lowerBound - 1].ending = ""
        }
        lines.replaceSubrange(range, with: replacement)
    }

    /// Inserts lines before line `index` (or at the end); a last line that had no
    /// newline gets one, so the inserted line does not join it.
    mutating func insert(_ texts: [String], at index: Int) {
        if index == lines.count, index > 0, lines[index - 1].ending.isEmpty {
            lines[index - 1].ending = newline
            var inserted = texts.map { Line(text: $0, ending: newline) }
            if !inserted.isEmpty { inserted[inserted.count - 1].ending = "" }
            lines.append(contentsOf: inserted)
            return
        }
        lines.insert(contentsOf: texts.map { Line(text: $0, ending: newline) }, at: index)
    }
}
