import Foundation

/// Reads a plan file for every command that takes one (`check`, `run`, `resume`,
/// `rollback`, `status`, `cleanup`), so that they refuse the same files the same way.
///
/// The file is read as bytes, not through `String(contentsOf:)`: that reads any size
/// and, for bytes that are not UTF-8, says only "the file isn't in the correct
/// format", where a person needs the line and column of the bad byte.
///
/// ```swift
/// let (plan, text) = try PlanFile.load("migration.yaml")
/// ```
public enum PlanFile {
    /// A plan is a few kilobytes; a mebibyte is room for any real one and keeps a
    /// wrong file (a log, a disk image) from being read whole.
    public static let maximumSize = 1 << 20

    /// The plan parsed, and its text (the journal keeps its digest).
    public static func load(_ path: String) throws -> (plan: MigrationPlan, text: String) {
        let text = try read(path)
        return (try PlanParser.parse(text, file: path), text)
    }

    /// The file's text; a `PlanError` (with line and column) when it is too large or
    /// not UTF-8, a `PlanFileError` when it cannot be read at all.
    public static func read(_ path: String) throws -> String {
        let bytes = try readBytes(path, atMost: maximumSize + 1)
        if bytes.count > maximumSize {
            throw PlanError(file: path, problems: [PlanProblem(
                kind: .syntax, file: path, line: 1, column: 1, path: "",
                message: "the file is larger than \(maximumSize / 1024) KiB, which no plan is",
                hint: "check that this is the plan ferry plan wrote (a plan is a few KB)")])
        }
        return try decode(bytes, file: path)
    }

    /// The bytes as text, or the position of the first byte that is not UTF-8.
    static func decode(_ bytes: [UInt8], file: String) throws(PlanError) -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                offset += encoded.count
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                let byte = "0x" + String(bytes[offset], radix: 16, uppercase: true).leftPadded(to: 2)
                throw PlanError(file: file, problems: [PlanProblem(
                    kind: .syntax, file: file, line: line, column: column, path: "",
                    message: "the plan is not valid UTF-8 (byte \(byte))",
                    hint: "save it as UTF-8 (in an editor: the file's encoding; or `iconv -f LATIN1 -t UTF-8`)")])
            }
        }
    }

    private static func readBytes(_ path: String, atMost limit: Int) throws(PlanFileError) -> [UInt8] {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PlanFileError(path: path, errno: errno) }
        defer { Foundation.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PlanFileError(path: path, errno: errno)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}

/// A plan file that cannot be opened or read (missing, unreadable, a directory).
public struct PlanFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    init(path: String, errno code: Int32) {
        self.path = path
        reason = String(cString: strerror(code))
    }

    public var description: String {
        "cannot read the plan \(path): \(reason)"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
