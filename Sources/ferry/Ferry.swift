import ArgumentParser
import Foundation

@main
struct Ferry: AsyncParsableCommand {
    /// As the user calls it: installed as `kubectl-ferry` on the PATH, kubectl runs it
    /// for `kubectl ferry ...`, and its help says so.
    static let invokedAs = URL(fileURLWithPath: CommandLine.arguments.first ?? "ferry").lastPathComponent == "kubectl-ferry"
        ? "kubectl ferry" : "ferry"

    static let configuration = CommandConfiguration(
        commandName: invokedAs,
        abstract: "Move a hardware-bound Kubernetes workload between K3s nodes on Proxmox VE.",
        version: FerryVersion.text,
        subcommands: [
            PlanCommand.self, CheckCommand.self, RunCommand.self, ResumeCommand.self, StatusCommand.self, RollbackCommand.self, CleanupCommand.self,
            ReportCommand.self, ScriptsCommand.self,
            DemoCommand.self, LabCommand.self, BenchCommand.self, VersionCommand.self,
        ])
}
