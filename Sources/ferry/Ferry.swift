import ArgumentParser

@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Move a hardware-bound Kubernetes workload between K3s nodes on Proxmox VE.",
        subcommands: [
            PlanCommand.self, CheckCommand.self, RunCommand.self, ResumeCommand.self, StatusCommand.self, RollbackCommand.self, CleanupCommand.self,
            DemoCommand.self, LabCommand.self, BenchCommand.self,
        ])
}
