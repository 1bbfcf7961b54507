import Foundation

/// Each node's filesystem is a real directory under the lab's state directory
/// (`nodes/NODE/...`), so that volume data are real files a test can read, and a
/// node's `/dev/bus/usb` exists only where the hardware model put it.
public struct NodeFilesystem: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// Where `path` on `node` lives on this machine.
    public func url(node: String, path: String) -> URL {
        var url = root.appendingPathComponent("nodes").appendingPathComponent(node)
        for component in path.split(separator: "/") where component != ".." && component != "." {
            url.appendPathComponent(String(component))
        }
        return url
    }

    public func exists(node: String, path: String) -> Bool {
        FileManager.default.fileExists(atPath: url(node: node, path: path).path)
    }

    public func createDirectory(node: String, path: String) throws {
        try FileManager.default.createDirectory(at: url(node: node, path: path), withIntermediateDirectories: true)
    }

    public func remove(node: String, path: String) throws {
        let target = url(node: node, path: path)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    }
}
