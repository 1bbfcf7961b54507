import Crypto
import FerryJSON
import Foundation

/// source-controller's artifact storage: one `.tar.gz` per GitRepository revision,
/// under `LABDIR/flux/artifacts/gitrepository/NAMESPACE/NAME/SHA.tar.gz`, described in
/// the GitRepository's `status.artifact` (path, url, revision, digest, size). The
/// Kustomization side unpacks an artifact once per digest under `LABDIR/flux/trees/`.
struct ArtifactStorage: Sendable {
    let root: URL

    init(labDirectory: URL) {
        root = labDirectory.appendingPathComponent("flux", isDirectory: true)
    }

    /// Archives commit `sha` of the repository at `gitDirectory` and returns the
    /// `status.artifact` object for it.
    func store(
        gitDirectory: String, sha: String, revision: String, namespace: String, name: String
    ) async throws -> JSON {
        let path = "gitrepository/\(namespace)/\(name)/\(sha).tar.gz"
        let file = artifacts.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = file.appendingPathExtension("tmp")
        try await GitCommand.succeed([
            "--git-dir", gitDirectory, "archive", "--format=tar.gz", "--output", partial.path, sha,
        ])
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        try FileManager.default.moveItem(at: partial, to: file)
        let data = try Data(contentsOf: file)
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return [
            "digest": .string("sha256:\(digest)"), "lastUpdateTime": .string(Timestamp.string(Date())),
            "path": .string(path), "revision": .string(revision), "size": .int(Int64(data.count)),
            "url": .string("http://source-controller.flux-system.svc.cluster.local./\(path)"),
        ]
    }

    /// Whether the file an artifact describes is still in storage.
    func contains(_ artifact: JSON) -> Bool {
        guard let path = artifact["path"].stringValue else { return false }
        return FileManager.default.fileExists(atPath: artifacts.appendingPathComponent(path).path)
    }

    /// The artifact's files, unpacked (once per digest) into a directory.
    func tree(for artifact: JSON) async throws -> URL {
        guard let path = artifact["path"].stringValue, let digest = artifact["digest"].stringValue else {
            throw LabError(description: "the artifact has no path or digest")
        }
        let tree = trees.appendingPathComponent(digest.replacingOccurrences(of: "sha256:", with: ""), isDirectory: true)
        if FileManager.default.fileExists(atPath: tree.path) { return tree }
        let archive = artifacts.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: archive.path) else {
            throw LabError(description: "artifact \(path) not found in storage")
        }
        let partial = trees.appendingPathComponent("unpack-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        do {
            try await Self.untar(archive, into: partial)
            try FileManager.default.moveItem(at: partial, to: tree)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if FileManager.default.fileExists(atPath: tree.path) { return tree }
            throw error
        }
        return tree
    }

    private var artifacts: URL { root.appendingPathComponent("artifacts", isDirectory: true) }
    private var trees: URL { root.appendingPathComponent("trees", isDirectory: true) }

    /// `tar -xzf ARCHIVE -C DIR`.
    private static func untar(_ archive: URL, into directory: URL) async throws {
        let result = try await LabProcess.run("tar", ["-xzf", archive.path, "-C", directory.path])
        guard result.succeeded else {
            throw LabError(description: "tar could not unpack \(archive.lastPathComponent) (exit \(result.status))")
        }
    }
}
