import Foundation

/// The one writer of a migration's journal during a run: every change is saved
/// before the call returns, so what is in memory is never ahead of the disk.
actor JournalRecorder {
    private(set) var journal: Journal
    let store: JournalStore
    let now: @Sendable () -> Date

    init(journal: Journal, store: JournalStore, now: @escaping @Sendable () -> Date) {
        self.journal = journal
        self.store = store
        self.now = now
    }

    func update(_ step: String, _ change: (inout Journal.Entry) -> Void) throws {
        guard let index = journal.entries.firstIndex(where: { $0.step == step }) else { return }
        change(&journal.entries[index])
        try save()
    }

    func update(_ step: any MigrationStep, _ change: (inout Journal.Entry) -> Void) throws {
        journal.update(step, change)
        try save()
    }

    func setStatus(_ status: Journal.Status) throws {
        journal.status = status
        try save()
    }

    func setTargetAccess(_ method: String) throws {
        journal.targetAccess = method
        try save()
    }

    private func save() throws {
        journal.updatedAt = now()
        try store.save(journal)
    }
}
