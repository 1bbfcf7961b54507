import ArgumentParser
import FerryCore
import Foundation

/// `ferry report PLAN`: the migration's record, from its journal and plan alone.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a migration's record: every step with its times, what failed and how it was fixed, the changes, the commit.",
        discussion: """
            Built from the journal (.ferry/NAME.journal.json beside the plan) and the plan, \
            so it works anywhere, without the cluster or Proxmox: the header (workload, \
            source and target, devices, outcome), the timeline with every failure and how \
            it ended, the downtime, every change by system as the command a person would \
            type, the GitOps commit with its diff (when the plan's gitops.repo clone is on \
            this machine), the volumes, Flux, and what a rollback undid. It holds no secret.

            Markdown on standard output, or to the file named with --out; -o json prints a \
            ferry.dev/v1 MigrationReport (docs/OUTPUT.md).

            \(CommandFailure.exitCodes)
            """)

    @Argument(help: ArgumentHelp("The plan file the migration ran.", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @Option(help: ArgumentHelp("Where journals are kept (default: .ferry/ beside the plan).", valueName: "dir"), completion: .directory)
    var stateDir: String?

    @OptionGroup var file: OutputFileOptions

    /// Markdown by default (`table`), or `-o json`.
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try output.format([.table, .json], fallback: .table)
    }

    func run() async throws {
        file.refuseExisting()
        let planURL = URL(fileURLWithPath: plan)
        let (parsed, text) = Self.readPlan(plan)
        let store = stateDir.map { JournalStore(directory: URL(fileURLWithPath: $0, isDirectory: true)) } ?? JournalStore.beside(plan: planURL)
        guard store.exists(parsed.name) else {
            CommandFailure.exit(
                "migration \(parsed.name) has no journal at \(store.url(for: parsed.name).path): it has not run, so there is nothing to report "
                    + "(run it with `ferry run \(plan)`; if its journal is elsewhere, give --state-dir)", code: 4)
        }
        let journal: Journal
        do {
            journal = try store.load(parsed.name)
        } catch {
            CommandFailure.exit("\(error)", code: 4)
        }
        let report: MigrationReport
        do {
            report = try await MigrationReport.make(plan: parsed, planFile: planURL, planText: text, journal: journal)
        } catch {
            CommandFailure.exit("cannot make the report: \(error)", code: 1)
        }
        let rendered = try output.format([.table, .json], fallback: .table) == .json ? report.document.pretty + "\n" : report.markdown()
        guard let destination = file.emit(rendered, what: "report") else { return }
        FileHandle.standardError.write(Data("Wrote the report of \(parsed.name) to \(destination.path).\n".utf8))
    }

    /// The plan and its text; exits 2 with every problem when it cannot be read.
    static func readPlan(_ path: String) -> (MigrationPlan, String) {
        do {
            let text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
            return (try PlanParser.parse(text, file: path), text)
        } catch let error as PlanError {
            CommandFailure.exit(error.description, code: 2)
        } catch {
            CommandFailure.exit("cannot read the plan \(path): \((error as NSError).localizedDescription)", code: 2)
        }
    }
}
