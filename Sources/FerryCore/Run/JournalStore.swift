import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where journals live (`.ferry/` beside the plan by default) and how they are
/// written: the whole file at once through a temporary file, fsync and rename, mode
/// 0600, so a kill at any instant leaves either the old journal or the new one.
public struct JournalStore: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `.ferry/` in the plan file's directory.
    public static func beside(plan: URL) -> JournalStore {
        JournalStore(directory: plan.deletingLastPathComponent().appendingPathComponent(".ferry", isDirectory: true))
    }

    public func url(for migration: String) -> URL {
        directory.appendingPathComponent("\(migration).journal.json")
    }

    public func exists(_ migration: String) -> Bool {
        FileManager.default.fileExists(atPath: url(for: migration).path)
    }

    public func load(_ migration: String) throws -> Journal {
        let file = url(for: migration)
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw JournalError("no journal for migration \(migration) at \(file.path): run `ferry run PLAN` first")
        }
        do {
            let journal = try Self.decoder.decode(Journal.self, from: data)
            guard journal.version == Journal.formatVersion else {
                throw JournalError("\(file.path) is a version \(journal.version) journal; this ferry reads version \(Journal.formatVersion)")
            }
            return journal
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError("\(file.path) is not a readable ferry journal (\(error)); it was not changed")
        }
    }

    public func save(_ journal: Journal) throws {
        try createDirectory()
        let data = try Self.encoder.encode(journal)
        let file = url(for: journal.migration)
        let temporary = directory.appendingPathComponent(".\(journal.migration).journal.\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return -1 }
                offset += n
            }
            return offset
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary.path, file.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw JournalError("cannot write the journal \(file.path): \(reason)")
        }
    }

    /// Moves a finished migration's journal aside (`NAME.journal.TIMESTAMP.json`), so
    /// the same plan can run again while the record of the last run stays.
    public func archive(_ migration: String, now: Date) throws -> URL {
        let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
        let target = directory.appendingPathComponent("\(migration).journal.\(stamp).json")
        guard rename(url(for: migration).path, target.path) == 0 else {
            throw JournalError("cannot move \(url(for: migration).path) aside: \(String(cString: strerror(errno)))")
        }
        return target
    }

    /// Holds `.ferry/NAME.lock` for as long as the returned lock lives, so two ferry
    /// processes never drive one migration at once. The kernel drops the lock when the
    /// process dies, so a killed run never leaves a stale one; the descriptor is closed
    /// on exec, so a command ferry started (git, ssh) that outlives it does not hold it.
    /// Temporary files a killed writer left are removed once the lock is held.
    ///
    /// A lock that is busy is tried again for `patience`: a program being started at
    /// the instant the last holder let go has a copy of its descriptor until it execs,
    /// and that copy holds the lock for a moment. The holder's pid is written in the
    /// file, so the refusal can name it.
    public func lock(_ migration: String, patience: Duration = .seconds(3)) async throws -> MigrationLock {
        try createDirectory()
        let path = directory.appendingPathComponent("\(migration).lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: patience)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, clock.now < deadline else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                let who = Int32(holder).map { $0 == getpid() ? "this process" : "process \($0)" } ?? "another ferry process"
                throw JournalError("\(who) is working on migration \(migration) (it holds \(path)); wait for it or stop it first")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pwrite(fd, pid, pid.count, 0) }
        let prefix = ".\(migration).journal."
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            unlink(directory.appendingPathComponent(name).path)
        }
        return MigrationLock(fd: fd)
    }

    private func createDirectory() throws {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JournalError("cannot create the state directory \(directory.path): \((error as NSError).localizedDescription)")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Journal.timestamp(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Journal.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a timestamp: \(text)"))
            }
            return date
        }
        return decoder
    }()
}

extension Journal {
    /// RFC 3339 with milliseconds: step timings are often under a second.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func date(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// An exclusive hold on one migration; released when it is deinitialized.
public final class MigrationLock: Sendable {
    private let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
