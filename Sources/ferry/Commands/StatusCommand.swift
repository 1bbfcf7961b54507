import ArgumentParser
import FerryCore
import Foundation

/// `ferry status PLAN`: where a migration stands, from its journal.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a migration stands: each step, its outcome and time, and what to do next.")

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @Option(help: ArgumentHelp("Where journals are kept (default: .ferry/ beside the plan).", valueName: "dir"))
    var stateDir: String?

    @Flag(help: "Print the journal as JSON.")
    var json = false

    @Flag(help: "Move a finished (completed or rolled back) migration's journal aside, so the plan can run again.")
    var archive = false

    func run() async throws {
        let planURL = URL(fileURLWithPath: plan)
        let name: String
        do {
            name = try PlanFile.load(plan).plan.name
        } catch {
            CommandFailure.exit("\(error)", code: 2)
        }
        let store = stateDir.map { JournalStore(directory: URL(fileURLWithPath: $0, isDirectory: true)) } ?? JournalStore.beside(plan: planURL)
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
        if json {
            print(String(decoding: try JSONEncoder.journal.encode(journal), as: UTF8.self))
            return
        }
        print("Migration \(name): \(journal.status.rawValue) (journal \(store.url(for: name).path))")
        for entry in journal.entries {
            var time = ""
            if let start = entry.startedAt, let end = entry.endedAt { time = String(format: "%.1fs", end.timeIntervalSince(start)) }
            print("  \(entry.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.title)  \(time)")
            if let error = entry.error, entry.status == .failed || entry.status == .undoing {
                print(error.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
            }
        }
        switch journal.status {
        case .running: print("\nA ferry process may still be running it; if it was killed, `ferry resume \(plan)` continues.")
        case .failed: print("\nNext: fix the failure, then `ferry resume \(plan)`; or `ferry rollback \(plan)`.")
        case .rollingBack, .rollbackFailed: print("\nNext: `ferry rollback \(plan)` finishes the rollback.")
        case .completed, .rolledBack: break
        }
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
