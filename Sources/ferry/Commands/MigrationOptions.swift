import ArgumentParser
import FerryCore
import Foundation

/// What `run`, `resume`, `rollback` and `status` share: the plan, where its journal
/// lives, how to reach the systems, and how to report.
struct MigrationOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The plan file (see docs/PLAN.md; `ferry plan` writes one).", valueName: "plan"))
    var plan: String

    @Option(help: ArgumentHelp("Where journals are kept (default: .ferry/ beside the plan).", valueName: "dir"))
    var stateDir: String?

    @Flag(help: "Print one JSON event per line instead of the progress display.")
    var json = false

    @Flag(help: "Do not wait for Enter at the physical move: wait only for the device to appear (with timeouts.deviceMove).")
    var yes = false

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

    static let exitCodes = """
        Exit codes: 0 done; 1 a step failed (the journal says which; `ferry resume` continues \
        after the fix, `ferry rollback` undoes); 2 the plan file cannot be read or is invalid; \
        3 the connection settings are missing or malformed; 4 the journal does not allow \
        this (already started, finished, or held by another ferry); 130 interrupted (resume \
        continues); 64 bad usage.
        """
}
