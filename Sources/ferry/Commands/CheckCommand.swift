import ArgumentParser
import FerryCore
import Foundation

/// `ferry check PLAN`: the pre-flight checks of a plan, printed as a table or JSON.
/// Reads only; the exit code says whether anything blocks the run.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that a plan can run, changing nothing.",
        discussion: """
            Runs every pre-flight check of the plan at once, each with its own deadline: \
            the credentials for Kubernetes and Proxmox; commands in the target VM (SSH with \
            timeouts.ssh, else the QEMU guest agent; the table says which one the run will \
            use); each volume's node affinity against its action; every Secret and \
            ConfigMap the pod spec references (names only, never values); each device on \
            the target host, or still on the source host; free passthrough slots on the \
            target VM; /dev/dri where the new preset needs it; the target node Ready, \
            schedulable and with room for the pod; the Flux Kustomization and \
            GitRepository Ready and not suspended; the Git clone clean, on its branch, \
            and its remote reachable. Every failure comes with its fix.

            Exit codes: 0 nothing blocks the migration (warnings allowed); 1 a check \
            failed; 2 the plan file cannot be read or is invalid (each problem printed as \
            FILE:LINE:COLUMN); 3 the connection settings are missing or malformed \
            (kubeconfig, PROXMOX_VE_* variables); 64 bad usage.
            """)

    @Argument(help: ArgumentHelp("The plan file (see docs/PLAN.md; `ferry plan` writes one).", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try output.format([.table, .json], fallback: .table)
    }

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let file = URL(fileURLWithPath: plan)
        let parsed: MigrationPlan
        do {
            parsed = try PlanFile.load(plan).plan
        } catch {
            fail("\(error)", code: 2)
        }
        let connections: Connections
        do {
            connections = try Connections.openWarning(try connection.settings())
        } catch {
            fail("\(error)", code: 3)
        }
        let report = await Preflight(plan: parsed, connections: connections, planDirectory: file.deletingLastPathComponent()).run()
        await connections.shutdown()
        switch try output.format([.table, .json], fallback: .table) {
        case .table, .yaml:  // yaml: refused in validate()
            print(report.table(width: isatty(STDOUT_FILENO) == 1 ? TerminalWidth.of(STDOUT_FILENO) : nil), terminator: "")
        case .json: print(report.json.pretty)
        }
        if report.blocks { throw ExitCode(1) }
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
