import Foundation

/// What a sender's `sums` stage reports: each side's manifest as its line count and
/// the SHA-256 of its lines (`HelperScripts.manifest`), and the first lines found on
/// one side only. ferry decides from the counts and digests; the lines only name the
/// paths in the error.
///
/// Only these few lines travel through the API server, whatever the volume holds: a
/// listing of every file would be megabytes for a volume of recordings, and a log
/// that large may be rotated away before ferry reads it.
struct VolumeComparison: Sendable, Equatable {
    static let summaryPrefix = "ferry-manifest "
    static let differsPrefix = "ferry-differs "

    struct Summary: Sendable, Equatable {
        var count: Int
        var digest: String
    }

    var source: Summary
    var target: Summary
    var differing: [String]

    var equal: Bool { source == target }

    /// nil when the log lacks either summary (the stage did not finish).
    init?(log: String) {
        var summaries: [String: Summary] = [:]
        var differing: [String] = []
        for line in log.split(separator: "\n") {
            if line.hasPrefix(Self.summaryPrefix) {
                let fields = line.dropFirst(Self.summaryPrefix.count).split(separator: " ")
                guard fields.count == 3, let count = Int(fields[1]) else { continue }
                summaries[String(fields[0])] = Summary(count: count, digest: String(fields[2]))
            } else if line.hasPrefix(Self.differsPrefix) {
                differing.append(String(line.dropFirst(Self.differsPrefix.count)))
            }
        }
        guard let source = summaries["source"], let target = summaries["target"] else { return nil }
        self.source = source
        self.target = target
        self.differing = differing
    }

    /// The paths the differing lines are about, sorted, at most `limit`.
    func paths(limit: Int = 5) -> [String] {
        Array(Set(differing.map(Self.path(of:))).sorted().prefix(limit))
    }

    /// The path an entry line is about: after the fixed fields of its type.
    static func path(of line: String) -> String {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        let fixed: Int
        switch parts.first {
        case "f": fixed = 6
        case "d": fixed = 4
        case "h": fixed = 3  // "h HASH  ./path": two spaces after the hash
        case "l":
            // l U:G 'path' -> 'target'
            let rest = parts.dropFirst(2).joined(separator: " ")
            return rest.components(separatedBy: " -> ").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) } ?? rest
        default: fixed = 4  // o RAWMODE U:G MAJOR:MINOR path
        }
        return parts.dropFirst(fixed).joined(separator: " ")
    }
}
