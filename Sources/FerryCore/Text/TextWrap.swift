/// Words wrapped to a width of columns, for tables and notices on a terminal: a line
/// wider than the terminal wraps where the terminal decides, loses its indentation,
/// and cannot be cleared as one row.
public enum TextWrap {
    /// `text`'s words in lines of at most `width` characters (a word longer than that
    /// is cut into pieces). Spaces between words collapse to one.
    public static func lines(_ text: String, width: Int) -> [String] {
        let width = max(width, 10)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            var word = Substring(word)
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.isEmpty ? [""] : lines
    }
}
