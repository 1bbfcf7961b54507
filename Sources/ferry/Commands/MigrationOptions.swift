import ArgumentParser
import FerryCore
import FerryRemote
import Foundation

/// What `run`, `resume`, `rollback` and `status` share: the plan, where its journal
/// lives, how to reach the systems, and how to report.
struct MigrationOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The plan file (see docs/PLAN.md; `ferry plan` writes one).", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @Option(help: ArgumentHelp("Where journals are kept (default: .ferry/ beside the plan).", valueName: "dir"), completion: .directory)
    var stateDir: String?

    /// `-o json`: one JSON event per line instead of the progress display.
    @OptionGroup var output: OutputOptions

    @Flag(name: .shortAndLong, help: "Do not wait for Enter at the physical move: wait only for the device to appear (with timeouts.deviceMove).")
    var yes = false

    /// One JSON event per line (`-o json`, `--json`), else the progress display.
    var json: Bool { (try? output.format([.table, .json], fallback: .table)) == .json }

    func validate() throws {
        _ = try output.format([.table, .json], fallback: .table)
    }

    @OptionGroup var connection: ConnectionOptions

    var planURL: URL { URL(fileURLWithPath: plan) }

    var store: JournalStore {
        stateDir.map { JournalStore(directory: URL(fileURLWithPath: $0, isDirectory: true)) } ?? JournalStore.beside(plan: planURL)
    }

    /// The plan and its text; exits 2 with every problem when it cannot be read.
    func loadPlan() -> (plan: MigrationPlan, text: String) {
        do {
            return try PlanFile.load(plan)
        } catch {
            CommandFailure.exit("\(error)", code: 2)
        }
    }

    /// What `resume` continues: the plan the migration runs (kept in its journal), or
    /// the file's when it changed only where resume may take changes
    /// (`PlanRevision.resumable`), which it then says; exits 4 for any other change,
    /// naming the sections.
    func planToResume() -> (plan: MigrationPlan, text: String, adopting: Bool) {
        let file = loadPlan()
        guard let kept = journaledPlan(named: file.plan.name), kept.text != file.text else { return (file.plan, file.text, false) }
        let changed = PlanRevision.changedSections(from: kept.plan, to: file.plan)
        if changed.isEmpty { return (kept.plan, kept.text, false) }
        let refused = changed.filter { !PlanRevision.resumable.contains($0) }
        guard refused.isEmpty else {
            CommandFailure.exit(
                "\(plan) changed since migration \(kept.plan.name) started (\(refused.joined(separator: ", "))): resume continues "
                    + "the plan it started with, and takes changes to \(PlanRevision.resumable.sorted().joined(separator: " and ")) only. "
                    + "Put the other sections back, or undo with `ferry rollback \(ShellQuoting.quote(plan))` and run the new plan.", code: 4)
        }
        FileHandle.standardError.write(Data("Taking the changed \(changed.joined(separator: " and ")) of \(plan); the rest is the plan the migration started with.\n".utf8))
        return (file.plan, file.text, true)
    }

    /// What `rollback` undoes: the plan the migration ran, kept in its journal, whatever
    /// the file says now (said when they differ); the file's for a journal that has none.
    func planToRollBack() -> (plan: MigrationPlan, text: String) {
        let file = loadPlan()
        guard let kept = journaledPlan(named: file.plan.name) else { return file }
        let changed = PlanRevision.changedSections(from: kept.plan, to: file.plan)
        if !changed.isEmpty {
            FileHandle.standardError.write(Data(
                "\(plan) changed since the migration started (\(changed.joined(separator: ", "))): undoing what the migration did, with the plan it ran (kept in its journal).\n".utf8))
        }
        return kept
    }

    private func journaledPlan(named name: String) -> (plan: MigrationPlan, text: String)? {
        guard store.exists(name), let journal = try? store.load(name), let text = journal.planText else { return nil }
        do {
            return (try PlanParser.parse(text, file: store.url(for: name).path + " (the plan it ran)"), text)
        } catch {
            CommandFailure.exit("the plan kept in \(store.url(for: name).path) cannot be read: \(error)", code: 4)
        }
    }

    /// The steps of the plan against the live systems; exits 3 when the settings are wrong.
    func environment(_ plan: MigrationPlan) -> MigrationEnvironment {
        let connections: Connections
        do {
            connections = try Connections.openWarning(try connection.settings())
        } catch {
            CommandFailure.exit("\(error)", code: 3)
        }
        let interactive = !yes && !json && isatty(STDIN_FILENO) == 1
        return MigrationEnvironment(
            plan: plan, planFile: planURL, connections: connections, confirmation: interactive ? EnterKey() : nil)
    }
}

enum CommandFailure {
    static func exit(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }

    /// One table for every command (README, "Exit codes").
    static let exitCodes = """
        Exit codes: 0 done; 1 a step or check failed, or the plan could not be discovered \
        (the message says why; after a failed step `ferry resume` continues once it is \
        fixed, `ferry rollback` undoes); 2 the plan file cannot be read or is invalid; \
        3 the connection settings are missing or malformed; 4 the journal does not allow \
        this (already started, finished, or held by another ferry); 5 the output file \
        exists or cannot be written; 64 bad usage; 130 interrupted (resume continues).
        """
}
