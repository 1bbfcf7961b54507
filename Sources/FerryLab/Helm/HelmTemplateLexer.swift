import Foundation

/// Splits a template into text and actions (`{{ … }}`), applying Go's trim markers as
/// it goes: `{{- ` removes every whitespace character (spaces, tabs, newlines) before
/// the action, ` -}}` every one after it. Comments (`{{/* … */}}`) vanish here, trim
/// markers included, as in Go.
struct HelmTemplateLexer {
    enum Piece: Equatable {
        case text(String)
        /// The action's words, without delimiters and trim markers, and its line.
        case action(String, line: Int)
    }

    let file: String

    func pieces(_ source: String) throws(HelmTemplateError) -> [Piece] {
        let bytes = Array(source.utf8)
        var pieces: [Piece] = []
        var index = 0
        var line = 1
        var text: [UInt8] = []

        func flush() {
            if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))) }
            text = []
        }

        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{") else {
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                text.append(bytes[index])
                index += 1
                continue
            }
            let actionLine = line
            var start = index + 2
            if start + 1 < bytes.count, bytes[start] == UInt8(ascii: "-"), Self.isSpace(bytes[start + 1]) {
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
                start += 1
            }
            flush()
            guard let close = Self.closing(bytes, from: start) else {
                throw HelmTemplateError(file: file, line: actionLine, message: "unclosed action")
            }
            var end = close
            let trimsAfter = end - 2 >= start && bytes[end - 1] == UInt8(ascii: "-") && Self.isSpace(bytes[end - 2])
            if trimsAfter { end -= 1 }
            line += bytes[index..<(close + 2)].count { $0 == UInt8(ascii: "\n") }
            index = close + 2
            if trimsAfter {
                while index < bytes.count, Self.isSpace(bytes[index]) {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
            }
            let words = String(decoding: bytes[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if words.hasPrefix("/*") {
                guard words.hasSuffix("*/") else {
                    throw HelmTemplateError(file: file, line: actionLine, message: "comment ends before closing delimiter")
                }
                continue
            }
            pieces.append(.action(words, line: actionLine))
        }
        flush()
        return pieces
    }

    /// The index of the `}}` closing an action that starts at `start`: the first one
    /// outside a quoted string, or after the `*/` of a comment.
    private static func closing(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "*") {
            index += 2
            while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                index += 1
            }
        }
        var quote: UInt8?
        while index + 1 < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\"") {
                    index += 2
                    continue
                }
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") {
                quote = byte
            } else if byte == UInt8(ascii: "}"), bytes[index + 1] == UInt8(ascii: "}") {
                return index
            }
            index += 1
        }
        return nil
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
