import Foundation

/// A file of the GitOps clone named by its path relative to the clone. ferry edits
/// and commits only what is inside the clone: a path that leaves it, through `..` or
/// through a symlink (the file itself or a directory on the way), would make it
/// write a file Git does not track and report an edit that no commit holds.
public enum CloneFile {
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
        public var fix: String
    }

    /// The file's URL under `clone`, checked component by component without
    /// following a symlink.
    public static func resolve(_ relative: String, in clone: URL) throws(Refused) -> URL {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !relative.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
            throw Refused(description: "\(relative) is not a path inside the clone", fix: "name the file relative to the clone's root, without ..")
        }
        var url = clone
        for part in parts {
            url.appendPathComponent(part)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                let shown = url.path == clone.appendingPathComponent(relative).path ? relative : "\(relative) (through \(url.path))"
                throw Refused(
                    description: "\(shown) is a symlink to \(target): ferry edits and commits files inside the clone only",
                    fix: "replace the link with the file it points to, or name that file in the plan if it is inside the clone")
            }
        }
        return url
    }
}
