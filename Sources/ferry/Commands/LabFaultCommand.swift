import ArgumentParser
import FerryLab

/// `ferry lab fault NAME on|off [--target T] [--value V] --dir DIR`: breaks (or
/// mends) one part of the running lab, the way a homelab breaks.
struct LabFaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Switch one of the lab's faults on or off.",
        discussion: """
            Faults: ssh-refused (--target an SSH name: nothing listens, ssh gets Connection \
            refused), guest-agent-absent (--target a VM: the QEMU guest agent does not answer), \
            reboot-hangs (--target a VM: its next start or reboot never finishes), \
            device-missing (--target a device: unplugged), api-errors (--value the fraction of \
            Proxmox API requests that answer 500, default 0.5), api-latency (--value \
            milliseconds added to every answer of the Proxmox API, the Kubernetes API and \
            SSH, default 1000), push-rejected \
            (the GitOps repository refuses every push). A VM is named by its name or VMID.

            \(LabCommandError.exitCodes)
            """)

    enum Switch: String, ExpressibleByArgument, CaseIterable {
        case on, off
    }

    @Argument(help: "The fault: \(LabControlFault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var name: String

    @Argument(help: "on or off.")
    var state: Switch

    @Option(help: "What the fault applies to: an SSH name, a VM (name or VMID) or a device, depending on the fault.")
    var target: String?

    @Option(help: "api-errors: the fraction of requests that fail (0-1); api-latency: milliseconds.")
    var value: Double?

    @OptionGroup var lab: LabDirectoryOptions

    func validate() throws {
        guard let fault = LabControlFault(rawValue: name) else {
            throw ValidationError(
                "Unknown fault '\(name)'. Choose one of: \(LabControlFault.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        do {
            try fault.check(on: state == .on, target: target, value: value)
        } catch {
            throw ValidationError(error.message.prefix(1).uppercased() + error.message.dropFirst() + ".")
        }
    }

    func run() async throws {
        try await LabCommandError.reporting {
            let client = try LabControlClient.connect(lab)
            let reply = try await client.setFault(.init(name: name, on: state == .on, target: target, value: value))
            print(reply.message)
        }
    }
}
