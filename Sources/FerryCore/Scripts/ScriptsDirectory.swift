import Foundation

/// Where `ferry scripts` writes: refuses a directory that holds anything (a set of
/// scripts already reviewed, its `.state/` from a run) unless told to replace it.
public struct ScriptsDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url
    }

    /// Writes the scripts (mode 0755) and README.md; returns the files written.
    @discardableResult
    public func write(_ scripts: [ShellScript], readme: String, force: Bool) throws -> [URL] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ScriptsError("\(url.path) is a file: name a directory for the scripts") }
            let entries = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            if !entries.isEmpty, !force {
                throw ScriptsError("\(url.path) is not empty (\(entries.sorted().prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", ..." : "")): "
                    + "name a new directory, or add --force to write over the scripts there")
            }
        }
        do {
            try manager.createDirectory(at: url, withIntermediateDirectories: true)
            var written: [URL] = []
            for script in scripts {
                let file = url.appendingPathComponent(script.name)
                try Data(script.text.utf8).write(to: file, options: .atomic)
                try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
                written.append(file)
            }
            let file = url.appendingPathComponent("README.md")
            try Data(readme.utf8).write(to: file, options: .atomic)
            return written + [file]
        } catch {
            throw ScriptsError("cannot write the scripts to \(url.path): \((error as NSError).localizedDescription)")
        }
    }
}

public struct ScriptsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
