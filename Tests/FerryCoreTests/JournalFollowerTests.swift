import Foundation
import Testing

@testable import FerryCore

/// `ferry status --watch`: a run in another process saves its journal step by step;
/// the follower reports each step that moved once, and ends with the migration.
@Suite struct JournalFollowerTests {
    @Test("each save of the journal is seen through inotify; steps are reported as they move; it ends when the run does")
    func followsARun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-follow-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = JournalStore(directory: directory.appendingPathComponent(".ferry"))
        let world = World()
        let a = SetStep(key: "a", target: 1, world: world)
        let b = SetStep(key: "b", target: 2, world: world)
        var journal = Journal(migration: "m", plan: "plan.yaml", planDigest: "x", now: Date())
        journal.update(a) { $0.status = .done }
        journal.update(b) { $0.status = .started }
        try store.save(journal)

        let (seen, seeing) = AsyncStream.makeStream(of: [String].self)
        let follower = JournalFollower(store: store, migration: "m", changes: try DirectoryChanges(store.directory))
        let following = Task {
            try await follower.follow(from: nil) { journal, moved in
                seeing.yield(moved.map { "\($0.step) \($0.status.rawValue)" } + ["migration \(journal.status.rawValue)"])
            }
        }
        var reports = seen.makeAsyncIterator()
        #expect(await reports.next() == ["set-a done", "set-b started", "migration running"])
        // The other process goes on: b ends, then the run.
        journal.update(b) { $0.status = .done }
        try store.save(journal)
        #expect(await reports.next() == ["set-b done", "migration running"])
        journal.status = .completed
        try store.save(journal)
        #expect(await reports.next() == ["migration completed"])
        #expect(try await following.value.status == .completed)
    }
}
