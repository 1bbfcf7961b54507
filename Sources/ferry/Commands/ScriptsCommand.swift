import ArgumentParser
import FerryCore
import Foundation

/// `ferry scripts PLAN DIR`: the plan as numbered bash scripts to review or run by hand.
struct ScriptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scripts",
        abstract: "Write the plan as numbered, idempotent bash scripts (the blueprint's deliverable) and a README.",
        discussion: """
            00-preflight.sh, 10-source.sh, 20-physical-move.sh, 30-target.sh, 40-volumes.sh, \
            50-gitops.sh, 60-verify.sh and 90-rollback.sh, in DIR with a README.md listing \
            them in order. Each looks before it changes anything, so it can run again after \
            a failure; VM commands go through vm_exec (SSH, else the QEMU guest agent). The \
            manifest edits are embedded as a patch of the plan's gitops.repo clone when it is \
            on this machine. Reaches no cluster or Proxmox host.

            \(CommandFailure.exitCodes)
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"), completion: Completions.plan)
    var plan: String

    @Argument(help: ArgumentHelp("The directory to write the scripts to (created; must be empty without --force).", valueName: "dir"), completion: .directory)
    var directory: String

    @Flag(help: "Write into DIR even when it is not empty, replacing scripts of the same names.")
    var force = false

    func run() async throws {
        let (parsed, _) = ReportCommand.readPlan(plan)
        let (patch, problem) = await MigrationScripts.patch(parsed, planFile: URL(fileURLWithPath: plan))
        let scripts = MigrationScripts.make(parsed, patch: patch)
        let target = ScriptsDirectory(URL(fileURLWithPath: directory, isDirectory: true))
        do {
            try target.write(scripts, readme: MigrationScripts.readme(parsed, scripts), force: force)
        } catch {
            CommandFailure.exit("\(error)", code: 5)
        }
        if let problem = problem?.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).joined(separator: "; ") {
            FileHandle.standardError.write(Data(
                "Warning: the manifest edits are not in 50-gitops.sh as a patch (\(problem)); it lists them to make by hand.\n".utf8))
        }
        FileHandle.standardError.write(Data(
            "Wrote \(scripts.count) scripts and README.md to \(directory). Review them, then run 00-preflight.sh first.\n".utf8))
    }
}
