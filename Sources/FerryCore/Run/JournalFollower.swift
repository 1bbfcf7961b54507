import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wakes a waiter when something it watches changed; `next()` returns once per change
/// (changes that came while nobody waited are not lost: the next call returns at once).
public protocol ChangeSignal: Sendable {
    func next() async throws
}

/// `ferry status --watch`: the journal read again at each change, each step whose
/// status moved and each change of the migration's status reported once, until the
/// migration ends (completed, failed, rolled back, or its rollback failed), as
/// `kubectl get -w` prints rows as they change.
public struct JournalFollower: Sendable {
    public let store: JournalStore
    public let migration: String
    public let changes: any ChangeSignal

    public init(store: JournalStore, migration: String, changes: any ChangeSignal) {
        self.store = store
        self.migration = migration
        self.changes = changes
    }

    public static func isFinal(_ status: Journal.Status) -> Bool {
        switch status {
        case .completed, .failed, .rolledBack, .rollbackFailed: true
        case .running, .rollingBack: false
        }
    }

    /// `report` gets the journal and the entries that are new or changed since
    /// `previous` (nil: every entry). Returns the final journal.
    public func follow(from previous: Journal?, report: (Journal, [Journal.Entry]) -> Void) async throws -> Journal {
        var last = previous
        while true {
            // A journal being replaced is read whole or not at all (rename); one that
            // does not exist yet is waited for.
            if store.exists(migration), let journal = try? store.load(migration) {
                let moved = journal.entries.filter { entry in
                    guard let before = last?.entry(entry.step) else { return true }
                    return before.status != entry.status || before.error != entry.error
                }
                if !moved.isEmpty || journal.status != last?.status { report(journal, moved) }
                last = journal
                if Self.isFinal(journal.status) { return journal }
            }
            try await changes.next()
        }
    }
}

#if canImport(Glibc)
/// Changes to the files of a directory, from inotify: a file written and closed,
/// renamed into it, or deleted. The journal store replaces a journal by renaming a
/// temporary file over it, so each save is one change.
public final class DirectoryChanges: ChangeSignal, @unchecked Sendable {
    private let descriptor: Int32

    /// Creates the directory if it is missing, as the journal store would.
    public init(_ directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw JournalError("cannot watch \(directory.path): \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_DELETE)
        guard inotify_add_watch(descriptor, directory.path, mask) >= 0 else {
            close(descriptor)
            throw JournalError("cannot watch \(directory.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Blocks a thread of its own in read(2) until inotify has events, and takes them all.
    public func next() async throws {
        let descriptor = descriptor
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                _ = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                continuation.resume()
            }
        }
    }
}
#endif
