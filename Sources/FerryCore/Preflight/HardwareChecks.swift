import FerryProxmox
import FerryRemote

/// The hardware side of the target: each device is on the target host, or still on
/// the source host (then it will be after the physical move); the target VM has a
/// free passthrough slot for each line the plan adds, and takes USB without a reboot
/// or says what its reboot interrupts; and `/dev/dri` exists in the VM when the new
/// hardware-acceleration preset needs it.
struct HardwareChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let connections: Connections
    var name: String { "hardware" }
    var waitsFor: String { "the Proxmox API (\(plan.source.host), \(plan.target.host)) and VM \(plan.target.vmid)" }

    func run() async -> [PreflightResult] {
        async let devices = deviceChecks()
        async let slots = slotCheck()
        async let dri = driCheck()
        return await devices + slots + dri
    }

    // MARK: Devices

    private func deviceChecks() async -> [PreflightResult] {
        guard !plan.devices.isEmpty else { return [] }
        let target = plan.target.host
        var onTarget: Result<[HostUSBDevice], ProxmoxError> = .success([])
        var onSource: Result<[HostUSBDevice], ProxmoxError> = .success([])
        if plan.devices.contains(where: \.isUSB) {
            async let targetDevices = usbDevices(on: plan.target.host)
            async let sourceDevices = usbDevices(on: plan.source.host)
            (onTarget, onSource) = await (targetDevices, sourceDevices)
        }
        return plan.devices.map { device in
            switch device.selector {
            case .usb(let usb): check(device.name, usb, onTarget: onTarget, onSource: onSource)
            case .pci(let pci):
                .warn("device \(device.name)", "ferry cannot list a host's PCI devices yet, so \(pci.address ?? pci.mapping ?? "the device") "
                          + "on \(target) is not checked", fix: "check by hand: `lspci -s \(pci.address ?? "ADDRESS")` on \(target)")
            }
        }
    }

    private func usbDevices(on host: String) async -> Result<[HostUSBDevice], ProxmoxError> {
        do {
            return .success(try await connections.proxmox.usbDevices(node: host))
        } catch {
            return .failure(error)
        }
    }

    private func check(
        _ name: String, _ usb: MigrationPlan.USB, onTarget: Result<[HostUSBDevice], ProxmoxError>,
        onSource: Result<[HostUSBDevice], ProxmoxError>
    ) -> PreflightResult {
        let check = "device \(name)"
        let (source, target) = (plan.source.host, plan.target.host)
        if let mapping = usb.mapping {
            return .warn(check, "the device is the resource mapping \(mapping): ferry does not read mappings yet, so where it is plugged is not checked",
                         fix: "check in Datacenter > Resource Mappings that \(mapping) has an entry for \(target)")
        }
        let wanted = usb.port.map { "port \($0)" } ?? "id " + usb.ids.joined(separator: " or ")
        func matches(_ device: HostUSBDevice) -> Bool {
            if let port = usb.port { return device.port == port }
            return usb.ids.contains(device.id)
        }
        let targetDevices: [HostUSBDevice]
        switch onTarget {
        case .success(let devices): targetDevices = devices
        case .failure(let error):
            return .fail(check, error.description, fix: "check that the Proxmox API can list \(target)'s USB devices (pvesh get /nodes/\(target)/hardware/usb)")
        }
        if let found = targetDevices.first(where: matches) {
            return .pass(check, "\(name) (\(wanted)) is plugged into \(target): \(found)")
        }
        if case .success(let devices) = onSource, let found = devices.first(where: matches) {
            return .pass(check, "\(name) (\(wanted)) is still on \(source) (\(found)): it will be on \(target) after the physical move")
        }
        let sourceNote = if case .failure(let error) = onSource { " (\(source) could not be listed: \(error.description))" } else { "" }
        return .fail(check, "\(name) (\(wanted)) is plugged into neither \(target) nor \(source)\(sourceNote)",
                     fix: "plug \(name) into \(target) or \(source), then run ferry check again (`lsusb` on the host lists what is plugged in)")
    }

    // MARK: Passthrough slots

    private func slotCheck() async -> [PreflightResult] {
        let target = plan.target
        let check = "passthrough-slots VM \(target.vmid)"
        guard !plan.devices.isEmpty else { return [] }
        let config: VMConfig
        do {
            config = try await connections.proxmox.vmConfig(node: target.host, vmid: target.vmid)
        } catch {
            return [.fail(check, error.description,
                          fix: "check target.vmid and target.host in the plan (`qm list` on \(target.host))")]
        }
        if let name = config.name, name != target.vm {
            return [.fail(check, "VM \(target.vmid) on \(target.host) is named \(name), not \(target.vm)",
                          fix: "set target.vm: \(name), or target.vmid to the VM named \(target.vm)")]
        }
        let present = Set(config.values.values)
        var usbNeeded = 0
        var pciNeeded = 0
        for device in plan.devices {
            switch device.selector {
            case .usb(let usb): usbNeeded += usb.configValues.filter { !present.contains($0) }.count
            case .pci(let pci): pciNeeded += present.contains(pci.configValue) ? 0 : 1
            }
        }
        let freeUSB = (0..<14).map { "usb\($0)" }.filter { config[$0] == nil }
        let freePCI = (0..<16).map { "hostpci\($0)" }.filter { config[$0] == nil }
        var problems: [String] = []
        if usbNeeded > freeUSB.count { problems.append("the plan needs \(usbNeeded) usbN lines, \(freeUSB.count) are free") }
        if pciNeeded > freePCI.count { problems.append("the plan needs \(pciNeeded) hostpciN lines, \(freePCI.count) are free") }
        guard problems.isEmpty else {
            let used = config.usb.map(\.key) + config.pci.map(\.key)
            return [.fail(check, "VM \(target.vmid) on \(target.host): " + problems.joined(separator: "; "),
                          fix: "remove passthrough lines it no longer needs, e.g. `qm set \(target.vmid) --delete \(used.last ?? "usb0")` on \(target.host) (in use: \(used.joined(separator: ", ")))")]
        }
        var free: [String] = []
        if usbNeeded > 0 { free.append(freeUSB.prefix(usbNeeded).joined(separator: ", ")) }
        if pciNeeded > 0 { free.append(freePCI.prefix(pciNeeded).joined(separator: ", ")) }
        let slots = PreflightResult.pass(check, free.isEmpty ? "VM \(target.vmid) already passes every device of the plan"
                                            : "VM \(target.vmid) on \(target.host) has free slots for the passthrough: \(free.joined(separator: ", "))")
        guard usbNeeded > 0, pciNeeded == 0 else { return [slots] }
        return [slots, await hotplugCheck(config)]
    }

    /// Whether the target VM takes the USB passthrough without a reboot; when it
    /// reboots, which pods of its node that interrupts.
    private func hotplugCheck(_ config: VMConfig) async -> PreflightResult {
        let target = plan.target
        let check = "hotplug VM \(target.vmid)"
        let devices = plan.devices.map(\.name).joined(separator: ", ")
        guard case .no(let reason, let fix) = config.usbHotplug(vmid: target.vmid) else {
            return .pass(check, "VM \(target.vmid) hot-plugs USB: \(devices) is passed without a reboot, and \(target.node)'s pods keep running")
        }
        let pods = (try? await RebootInterruption.read(node: target.node, kube: connections.kube))?.named
        return .warn(check, "VM \(target.vmid) reboots to get \(devices): \(reason)\(pods.map { "; that restarts \($0)" } ?? "")",
                     fix: fix.map { "`\($0)` on \(target.host) lets Proxmox hot-plug it instead" })
    }

    // MARK: /dev/dri

    /// A VA-API or Intel Quick Sync preset needs a GPU render node in the VM.
    private func driCheck() async -> [PreflightResult] {
        guard let preset = PresetNeeds.driPreset(in: plan) else { return [] }
        let target = plan.target
        let check = "dev-dri \(target.vm)"
        let shell = connections.vmShell(for: target, sshTimeout: plan.timeouts.ssh.duration, commandTimeout: .seconds(30))
        do {
            let (output, _) = try await shell.run(["ls", "/dev/dri"])
            if output.succeeded, output.stdoutText.contains("renderD") {
                return [.pass(check, "/dev/dri in \(target.vm) has a render node for \(preset)")]
            }
            return [.fail(check, "\(preset) needs a GPU render node, but \(target.vm) has no /dev/dri/renderD*: ffmpeg would fail and Frigate exit",
                          fix: "pass the host's GPU to VM \(target.vmid) (`qm set \(target.vmid) --hostpci0 ADDRESS` on \(target.host)) with its driver, "
                              + "or choose a preset the target can run in manifestChanges")]
        } catch {
            return [.fail(check, "cannot look for /dev/dri: \(error.description)",
                          fix: "make SSH or the guest agent work for \(target.vm) (see vm-access)")]
        }
    }
}

/// What the plan's manifest changes ask of the target's hardware.
enum PresetNeeds {
    /// The preset the plan switches to that needs `/dev/dri` (`preset-vaapi`, `preset-intel-*`), if any.
    static func driPreset(in plan: MigrationPlan) -> String? {
        for change in plan.manifestChanges {
            let text: String
            switch change.edit {
            case .set(let value): text = value
            case .replace(_, let to): text = to
            case .remove: continue
            }
            if let match = text.firstMatch(of: /preset-(vaapi|intel-[A-Za-z0-9-]+)/) { return String(match.output.0) }
        }
        return nil
    }
}
