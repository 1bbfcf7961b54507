import ArgumentParser
import FerryCore
import FerryJSON
import Foundation

/// `ferry status PLAN`: where a migration stands, from its journal.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a migration stands: each step, its outcome and time, and what to do next.")

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @Option(help: ArgumentHelp("Where journals are kept (default: .ferry/ beside the plan).", valueName: "dir"), completion: .directory)
    var stateDir: String?

    /// `-o json|yaml`: the journal with the downtime and the commit, as a
    /// `ferry.dev/v1` `MigrationStatus` (docs/OUTPUT.md).
    @OptionGroup var output: OutputOptions

    @Flag(help: "Move a finished (completed or rolled back) migration's journal aside, so the plan can run again.")
    var archive = false

    @Flag(name: [.customShort("w"), .long], help: ArgumentHelp(
        "After the status, print each step as it changes, until the migration completes, fails or is rolled back.",
        discussion: "For a run in another terminal; table output only."))
    var watch = false

    func validate() throws {
        let format = try output.format([.table, .json, .yaml], fallback: .table)
        if watch, format != .table { throw ValidationError("--watch prints the table: leave out -o \(format.rawValue).") }
        if watch, archive { throw ValidationError("--watch and --archive cannot be used together.") }
    }

    func run() async throws {
        let format = try output.format([.table, .json, .yaml], fallback: .table)
        let planURL = URL(fileURLWithPath: plan)
        let name: String
        do {
            name = try PlanFile.load(plan).plan.name
        } catch {
            CommandFailure.exit("\(error)", code: 2)
        }
        let store = stateDir.map { JournalStore(directory: URL(fileURLWithPath: $0, isDirectory: true)) } ?? JournalStore.beside(plan: planURL)
        // Watching starts before the first read, so that no change falls between them.
        let changes: DirectoryChanges?
        do {
            changes = watch ? try DirectoryChanges(store.directory) : nil
        } catch {
            CommandFailure.exit("\(error)", code: 1)
        }
        // Before any run there is nothing wrong to report: the migration has not started.
        guard store.exists(name) || archive else {
            switch format {
            case .table:
                print("Migration \(name): not started (no journal at \(store.url(for: name).path)).")
                if let changes { return try await follow(store, name, from: nil, changes) }
                print("\nNext: `ferry check \(plan)`, then `ferry run \(plan)`.")
            case .json: print(MigrationStatusDocument.notStarted(name).pretty)
            case .yaml: print(MigrationStatusDocument.notStarted(name).yaml, terminator: "")
            }
            return
        }
        let journal: Journal
        do {
            journal = try store.load(name)
        } catch {
            CommandFailure.exit("\(error)", code: 4)
        }
        if archive {
            guard journal.status == .completed || journal.status == .rolledBack else {
                CommandFailure.exit("migration \(name) is \(journal.status.rawValue): finish it with `ferry resume` or `ferry rollback` first", code: 4)
            }
            let moved = try store.archive(name, now: Date())
            print("Moved the journal of \(name) to \(moved.path).")
            return
        }
        switch format {
        case .json: return print(try MigrationStatusDocument.of(journal).pretty)
        case .yaml: return print(try MigrationStatusDocument.of(journal).yaml, terminator: "")
        case .table: break
        }
        print("Migration \(name): \(journal.status.rawValue) (journal \(store.url(for: name).path))")
        journal.entries.forEach(Self.printLine)
        if let changes, !JournalFollower.isFinal(journal.status) { return try await follow(store, name, from: journal, changes) }
        let summary = MigrationSummary.text(journal).split(separator: "\n").dropFirst().filter {
            $0.hasPrefix("  Downtime") || $0.hasPrefix("  Commit")
        }
        if !summary.isEmpty { print("\n" + summary.joined(separator: "\n")) }
        switch journal.status {
        case .running: print("\nA ferry process may still be running it; if it was killed, `ferry resume \(plan)` continues.")
        case .failed: print("\nNext: fix the failure, then `ferry resume \(plan)`; or `ferry rollback \(plan)`.")
        case .rollingBack, .rollbackFailed: print("\nNext: `ferry rollback \(plan)` finishes the rollback.")
        case .completed, .rolledBack: break
        }
    }
}

extension StatusCommand {
    /// One step: its status, title and time; the error under a failed one.
    static func printLine(_ entry: Journal.Entry) {
        var time = ""
        let undone = entry.status == .undone || entry.status == .undoing
        if let start = undone ? entry.undoStartedAt : entry.startedAt, let end = undone ? entry.undoEndedAt : entry.endedAt {
            time = String(format: "%.1fs", end.timeIntervalSince(start))
        }
        print("  \(entry.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.title)  \(time)")
        if let error = entry.error, entry.status == .failed || entry.status == .undoing {
            print(error.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
        }
    }

    /// `--watch`: a line per step that moved and one per change of the migration's
    /// status, until it ends; Ctrl-C stops watching (the run goes on).
    private func follow(_ store: JournalStore, _ name: String, from start: Journal?, _ changes: DirectoryChanges) async throws {
        StandardOutput.flush()
        let follower = JournalFollower(store: store, migration: name, changes: changes)
        var status = start?.status
        let last = try await follower.follow(from: start) { journal, moved in
            if journal.status != status {
                print("Migration \(name): \(journal.status.rawValue)")
                status = journal.status
            }
            moved.forEach(Self.printLine)
            StandardOutput.flush()
        }
        let summary = MigrationSummary.text(last).split(separator: "\n").dropFirst().filter {
            $0.hasPrefix("  Downtime") || $0.hasPrefix("  Commit")
        }
        if !summary.isEmpty { print("\n" + summary.joined(separator: "\n")) }
    }
}

extension JSONEncoder {
    static var journal: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

/// `ferry status -o json|yaml`: the journal's fields (status, entries with their
/// times, memory and errors) with `apiVersion`/`kind`, the downtime and the commit.
enum MigrationStatusDocument {
    static let apiVersion = "ferry.dev/v1"

    static func of(_ journal: Journal) throws -> JSON {
        var document = try JSON.parse(try JSONEncoder.journal.encode(journal))
        guard case .object(var fields) = document else { return document }
        fields["apiVersion"] = .string(apiVersion)
        fields["kind"] = "MigrationStatus"
        if let downtime = Downtime(journal) {
            fields["downtime"] = [
                "seconds": .double(RunPrinter.secondsValue(downtime.total)),
                "withoutMoveSeconds": .double(RunPrinter.secondsValue(downtime.withoutMove)),
                "moveWaitSeconds": .double(RunPrinter.secondsValue(downtime.moveWait)),
            ]
        }
        if let commit = journal.commit { fields["commit"] = ["id": .string(commit.id), "reverted": .bool(commit.reverted)] }
        document = .object(fields)
        return document
    }

    static func notStarted(_ migration: String) -> JSON {
        ["apiVersion": .string(apiVersion), "kind": "MigrationStatus", "migration": .string(migration), "status": "not-started", "entries": []]
    }
}
