import Crypto
import Foundation

/// What a volume holds, as one sorted line per entry: type, mode, owner, size,
/// hard-link count and mtime of files, symlink targets, and a SHA-256 of every
/// regular file's contents. Made by a pod on the volume's node (`script`), read
/// from its output, and compared between the two sides before the switch.
///
/// The output ends with a summary line (entry count and a digest of the lines), so
/// two manifests compare by digest even when a log was too large to read whole,
/// and ferry can tell a complete manifest from a cut one.
struct VolumeManifest: Sendable, Equatable {
    static let summaryPrefix = "ferry-manifest "

    var lines: [String]
    var count: Int
    var digest: String
    /// Whether `lines` is the whole manifest (its digest matches the summary).
    var complete: Bool

    /// Directory sizes are left out: they depend on the filesystem, not the data.
    static let script = """
        set -e
        cd \(HelperPods.mountPath)
        m=$(mktemp)
        h=$(mktemp)
        find . -type f -exec stat -c 'f %a %u:%g %s %h %Y %n' {} + > "$m"
        find . -type d -exec stat -c 'd %a %u:%g %n' {} + >> "$m"
        find . -type l -exec stat -c 'l %u:%g %N' {} + >> "$m"
        find . ! -type f ! -type d ! -type l -exec stat -c 'o %f %u:%g %t:%T %n' {} + >> "$m"
        find . -type f -exec sha256sum {} + > "$h"
        sed 's/^/h /' "$h" >> "$m"
        LC_ALL=C sort -o "$m" "$m"
        cat "$m"
        echo "\(summaryPrefix)$(wc -l < "$m") $(sha256sum < "$m" | cut -d' ' -f1)"
        rm -f "$m" "$h"
        """

    /// Reads a manifest pod's output; nil when it has no summary line (the script
    /// did not finish).
    init?(log: String) {
        var lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        guard let last = lines.last, last.hasPrefix(Self.summaryPrefix) else { return nil }
        let fields = last.dropFirst(Self.summaryPrefix.count).split(separator: " ")
        guard fields.count == 2, let count = Int(fields[0].trimmingCharacters(in: .whitespaces)) else { return nil }
        lines.removeLast()
        self.lines = lines
        self.count = count
        self.digest = String(fields[1])
        let body = lines.map { $0 + "\n" }.joined()
        let computed = SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
        self.complete = lines.count == count && computed == digest
    }

    /// Paths whose lines differ between the two manifests, first ones first (at most `limit`).
    static func differences(_ source: VolumeManifest, _ target: VolumeManifest, limit: Int = 5) -> [String] {
        let a = Set(source.lines)
        let b = Set(target.lines)
        var paths = Set<String>()
        for line in a.symmetricDifference(b) { paths.insert(path(of: line)) }
        return Array(paths.sorted().prefix(limit))
    }

    /// The path an entry line is about: after the fixed fields of its type.
    static func path(of line: String) -> String {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        let fixed: Int
        switch parts.first {
        case "f": fixed = 6
        case "d": fixed = 3
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
