import FerryProxmox
import Foundation

/// Takes the device out of the source VM's config, so the VM does not hold on to a
/// device that is about to be unplugged (and does not fail to start without it).
///
/// The removed lines are remembered, exactly, before the change: rollback puts them
/// back under the same keys, and the VM gets the device again at once when Proxmox
/// hot-plugs it (`USBHotplug`), else by a reboot.
struct RemovePassthroughStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var side: MigrationPlan.Endpoint { environment.plan.source }
    var id: String { "remove-passthrough-\(device.name)" }
    var title: String { "Remove \(device.label) passthrough from VM \(side.vmid) on \(side.host)" }
    var phase: MigrationPhase { .source }
    /// The source VM keeps running (a hot-unplug at most): the copy reads on.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let entries = device.entries(in: try await config())
        return entries.isEmpty ? .done : .pending(reason: entries.map(\.key).joined(separator: ", ") + " pass it")
    }

    func apply(_ context: StepContext) async throws {
        let config = try await config()
        let entries = device.entries(in: config)
        if await context.recall("lines") == nil {
            try await context.remember("lines", entries.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))
        }
        try await environment.connections.proxmox.setConfig(
            node: side.host, vmid: side.vmid, delete: entries.map(\.key), digest: config.digest)
    }

    func undo(_ context: StepContext) async throws {
        guard let text = await context.recall("lines"), !text.isEmpty else { return }
        var config = try await config()
        var changes: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if config.values[parts[0]] == parts[1] { continue }
            let key = config.values[parts[0]] == nil ? parts[0] : config.freeUSBKey
            guard let key else { throw StepFailure("VM \(side.vmid) has no free USB slot to put \(parts[1]) back", fix: "qm set \(side.vmid) -delete usbN for an unused one") }
            changes[key] = parts[1]
            config.values[key] = parts[1]
        }
        guard !changes.isEmpty else { return }
        let proxmox = environment.connections.proxmox
        try await proxmox.setConfig(node: side.host, vmid: side.vmid, set: changes)
        // Hot-plugged back into the running VM: no reboot of the source node.
        let current = Set(try await proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true).values.values)
        if changes.values.allSatisfy(current.contains) {
            context.notice("Proxmox hot-plugged \(device.label) back into VM \(side.vmid): it does not reboot")
            return
        }
        try await VMReboot(environment: environment, side: side, shell: environment.sourceShell).reboot(context)
    }

    func describe() -> [String] {
        ["qm set \(side.vmid) --delete usbN   (on \(side.host): every usbN line that passes \(device.label))"]
    }

    private func config() async throws -> VMConfig {
        try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid)
    }
}

/// Passes the device to the target VM: one `usbN` line per id (a Coral needs both),
/// with `usb3=1` when the plan says so, on free slots. Takes effect at once when
/// Proxmox hot-plugs it into the running VM, else at reboot-target's reboot.
struct AddPassthroughStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "add-passthrough-\(device.name)" }
    var title: String { "Pass \(device.label) through to VM \(side.vmid) on \(side.host)" }
    var phase: MigrationPhase { .target }
    /// A config change, hot-plugged at most: the target VM keeps running.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let missing = device.missingValues(in: try await config())
        return missing.isEmpty ? .done : .pending(reason: "missing " + missing.joined(separator: ", "))
    }

    func apply(_ context: StepContext) async throws {
        var config = try await config()
        let digest = config.digest
        var changes: [String: String] = [:]
        for value in device.missingValues(in: config) {
            guard let key = config.freeUSBKey else {
                throw StepFailure(
                    "VM \(side.vmid) on \(side.host) has no free USB passthrough slot (usb0 to usb13 are taken)",
                    fix: "free one: qm config \(side.vmid) | grep ^usb, then qm set \(side.vmid) -delete usbN; then `ferry resume`")
            }
            changes[key] = value
            config.values[key] = value
        }
        try await context.remember("keys", changes.keys.sorted().joined(separator: ","))
        let proxmox = environment.connections.proxmox
        try await proxmox.setConfig(node: side.host, vmid: side.vmid, set: changes, digest: digest)
        // What the running VM has now: Proxmox hot-plugged the lines, or they wait for
        // the reboot (which reboot-target then says why).
        if device.missingValues(in: try await proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true)).isEmpty {
            context.notice("Proxmox hot-plugged \(device.label) into VM \(side.vmid): it does not reboot")
        }
    }

    func undo(_ context: StepContext) async throws {
        let config = try await config()
        let ours = Set(device.entries(in: config).map(\.key))
        let keys = (await context.recall("keys") ?? "").split(separator: ",").map(String.init).filter(ours.contains)
        guard !keys.isEmpty else { return }
        try await environment.connections.proxmox.setConfig(node: side.host, vmid: side.vmid, delete: keys, digest: config.digest)
    }

    func describe() -> [String] {
        guard let usb = device.usb else { return [] }
        return usb.configValues.map { "qm set \(side.vmid) --usbN \($0)   (on \(side.host), N a free slot)" }
    }

    private func config() async throws -> VMConfig {
        try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid)
    }
}
