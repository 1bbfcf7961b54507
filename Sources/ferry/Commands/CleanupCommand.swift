import ArgumentParser
import FerryCore
import Foundation

/// `ferry cleanup PLAN`: deletes the volumes a finished migration kept on purpose
/// (the originals after a move, the copies after a rollback), once the user says
/// so. Nothing is deleted without a list first and a yes.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete the volumes a finished migration kept (after asking).",
        discussion: """
            A migration keeps the original of every moved volume (Retain, Released) so \
            that nothing is lost until you have seen the workload run on its copy; a \
            rollback keeps the copies. This lists those PersistentVolumes from the \
            migration's journal, with their node, path and size, asks, then sets each to \
            Delete so its provisioner removes the volume and its data.

            Exit codes: 0 done (or nothing to delete); 1 a volume could not be deleted, \
            or the migration is still running or failed; 2 the plan or journal cannot be \
            read; 3 the connection settings are missing or malformed; 4 not confirmed.
            """)

    @Argument(help: ArgumentHelp("The plan file the migration ran.", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @Flag(name: [.short, .long], help: "Delete without asking.")
    var yes = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let file = URL(fileURLWithPath: plan)
        let migration: String
        do {
            migration = try PlanFile.load(plan).plan.name
        } catch {
            fail("\(error)", code: 2)
        }
        // Without a journal (archived with `ferry status --archive`, or lost), the
        // volumes are found by the labels ferry put on them.
        let store = JournalStore.beside(plan: file)
        var journal: Journal?
        if store.exists(migration) {
            do { journal = try store.load(migration) } catch { fail("\(error)", code: 2) }
        }
        let connections: Connections
        do {
            connections = try Connections.openWarning(try connection.settings())
        } catch {
            fail("\(error)", code: 3)
        }
        defer { Task { await connections.shutdown() } }
        let cleanup = VolumeCleanup(kube: connections.kube)
        let leftovers: [VolumeCleanup.Leftover]
        do {
            if let journal {
                leftovers = try await cleanup.leftovers(journal)
            } else {
                print("No journal for migration \(migration) at \(store.url(for: migration).path): looking for its volumes by their ferry.dev/migration label.")
                leftovers = try await cleanup.leftovers(labelledFor: migration)
            }
        } catch {
            fail("\(error)", code: 1)
        }
        guard !leftovers.isEmpty else {
            print("Nothing to clean up: migration \(migration) left no Released volume.")
            return
        }
        print("Migration \(migration) kept \(leftovers.count) volume(s); deleting them deletes their data:")
        for leftover in leftovers { print("  \(leftover.description)") }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else { fail("not deleting without confirmation: run again with --yes", code: 4) }
            print("Delete them? [y/N] ", terminator: "")
            guard let answer = readLine()?.lowercased(), answer == "y" || answer == "yes" else {
                fail("nothing deleted", code: 4)
            }
        }
        var failed = false
        for leftover in leftovers {
            do {
                try await cleanup.delete(leftover)
                print("deleted PV \(leftover.pv)")
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
