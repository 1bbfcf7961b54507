import ArgumentParser

/// `ferry lab`: the built-in lab, a simulated homelab (Kubernetes, Proxmox VE, SSH,
/// Flux with a Git repository) to rehearse migrations on. `up` runs it; the other
/// commands act on the lab running with the same `--dir`.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the built-in lab: a simulated homelab to rehearse migrations on.",
        discussion: """
            `ferry lab up --dir DIR` starts the lab and runs until interrupted. The other \
            commands act on the lab running with the same --dir, through the control \
            endpoint named in DIR/control.json.

            \(LabCommandError.exitCodes)
            """,
        subcommands: [
            LabUpCommand.self, LabStatusCommand.self, LabMoveDeviceCommand.self, LabFaultCommand.self,
        ])
}
