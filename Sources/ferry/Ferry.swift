import ArgumentParser

@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Move a hardware-bound Kubernetes workload between K3s nodes on Proxmox VE.",
        subcommands: [DemoCommand.self, LabCommand.self])
}
