import Foundation

/// `DIR/control.json`: where a running `ferry lab up --dir DIR` listens for control
/// requests, and the bearer token they must carry. Written readable by its owner only
/// (mode 0600, created so from the start) and removed when the lab stops.
///
/// ```json
/// {"url": "http://127.0.0.1:40123", "token": "…", "pid": 4242, "scenario": "frigate-coral"}
/// ```
public struct LabControlFile: Codable, Sendable, Equatable {
    /// `http://127.0.0.1:PORT`
    public var url: String
    public var token: String
    /// The `lab up` process.
    public var pid: Int32
    public var scenario: String

    public init(url: String, token: String, pid: Int32, scenario: String) {
        self.url = url
        self.token = token
        self.pid = pid
        self.scenario = scenario
    }

    /// `DIR/control.json`
    public static func path(in directory: URL) -> URL { directory.appendingPathComponent("control.json") }

    /// The file in `directory`; nil when there is none. A file that is there but does
    /// not parse is an error, not "no lab".
    public static func read(in directory: URL) throws -> LabControlFile? {
        let path = path(in: directory)
        guard FileManager.default.fileExists(atPath: path.path) else { return nil }
        do {
            return try JSONDecoder().decode(LabControlFile.self, from: Data(contentsOf: path))
        } catch {
            throw LabError(description: "\(path.path) is not a lab control file (\(error)); remove it if no lab is running there")
        }
    }

    /// Writes the file atomically with mode 0600: a temporary file opened 0600, then renamed.
    public func write(in directory: URL) throws {
        let target = Self.path(in: directory)
        let temporary = directory.appendingPathComponent(".control.json.\(getpid()).tmp")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self) + Data("\n".utf8)
        unlink(temporary.path)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw LabError(description: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == data.count, rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw LabError(description: "cannot write \(target.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the file if it is still this one (another lab may have taken the directory).
    public func remove(in directory: URL) {
        guard let current = try? Self.read(in: directory), current == self else { return }
        try? FileManager.default.removeItem(at: Self.path(in: directory))
    }
}
