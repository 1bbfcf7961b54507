import ArgumentParser
import FerryLab

/// `ferry lab move-device coral --to still-fawn --dir DIR`: the physical move of the
/// migration, unplugging a device from its host and plugging it into another.
struct LabMoveDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move-device",
        abstract: "Unplug a device from its Proxmox host and plug it into another.",
        discussion: """
            The device comes back as from cold (a Coral shows 1a6e:089a again). A VM sees \
            it only once its config passes it (usbN/hostpciN) and it starts or reboots. \
            The scenario's Coral is the device named `coral`; `ferry lab status` lists them all.

            \(LabCommandError.exitCodes)
            """)

    @Argument(help: "The device's name in the lab (coral, gpu, igpu, keyboard).")
    var device: String

    @Option(name: .customLong("to"), help: ArgumentHelp("The Proxmox host to plug it into (pumped-piglet, still-fawn, pve).", valueName: "host"))
    var host: String

    @OptionGroup var lab: LabDirectoryOptions

    func run() async throws {
        try await LabCommandError.reporting {
            let client = try LabControlClient.connect(lab)
            let reply = try await client.moveDevice(.init(device: device, host: host))
            print(reply.message)
        }
    }
}
