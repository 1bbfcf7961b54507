import FerryProxmox
import FerryRemote
import Foundation

/// How a plan's device is recognised on a host, in a VM's config and inside a VM:
/// by any of its ids (a Coral answers to either), by its port, or by its mapping.
extension MigrationPlan.Device {
    var usb: MigrationPlan.USB? {
        if case .usb(let usb) = selector { return usb }
        return nil
    }

    /// The VM config entries that pass this device.
    func entries(in config: VMConfig) -> [VMConfig.USBEntry] {
        guard let usb else { return [] }
        return config.usb.filter { entry in
            if let mapping = usb.mapping { return entry.selector == .mapping(mapping) }
            if let port = usb.port { return entry.selector == .port(port) }
            return usb.ids.contains { id in
                let parts = id.split(separator: ":").map(String.init)
                return parts.count == 2 && entry.matches(vendor: parts[0], product: parts[1])
            }
        }
    }

    /// The values of `usbN` lines this device still needs in `config`.
    func missingValues(in config: VMConfig) -> [String] {
        guard let usb else { return [] }
        let present = Set(config.usb.map { Self.normalised($0.value) })
        return usb.configValues.filter { !present.contains(Self.normalised($0)) }
    }

    /// The host's USB device that is this one, if plugged in there.
    func plugged(in devices: [HostUSBDevice]) -> HostUSBDevice? {
        guard let usb else { return nil }
        if let port = usb.port { return devices.first { $0.port == port && !$0.isHub } }
        return devices.first { usb.ids.contains("\($0.vendorID):\($0.productID)") }
    }

    /// What a person reads: `coral (1a6e:089a / 18d1:9302)`.
    var label: String {
        guard let usb else { return name }
        if let port = usb.port { return "\(name) (USB port \(port))" }
        if let mapping = usb.mapping { return "\(name) (mapping \(mapping))" }
        return "\(name) (\(usb.ids.joined(separator: " / ")))"
    }

    /// Whether `lsusb` output inside a VM shows the device.
    func visible(inLsusb output: String) -> Bool {
        guard let usb else { return false }
        return usb.ids.contains { id in output.lowercased().contains("id \(id)") }
    }

    /// `host=1a6e:089a,usb3=1` and `usb3=1,host=1a6e:089a` are the same line.
    static func normalised(_ value: String) -> String {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.sorted().joined(separator: ",")
    }
}

extension MigrationEnvironment {
    /// Runs a shell command line in a VM (SSH, else the guest agent), recording how.
    func run(_ command: String, in shell: VMShell, _ context: StepContext) async throws -> CommandOutput {
        do {
            let (output, method) = try await shell.run(["sh", "-c", command])
            await context.used(method)
            return output
        } catch {
            throw StepFailure(
                "cannot run `\(command)` in \(shell.host): \(error)",
                fix: "make SSH to \(shell.host) work (ssh \(shell.host) true) or enable the QEMU guest agent in the VM, then `ferry resume`")
        }
    }

    /// Waits, looking every `pollInterval` (Proxmox has no events), until `probe` says yes.
    func poll(_ timeout: Duration, _ probe: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if try await probe() { return true }
            if clock.now >= deadline { return false }
            try await clock.sleep(for: min(pollInterval, deadline - clock.now))
        }
    }
}
