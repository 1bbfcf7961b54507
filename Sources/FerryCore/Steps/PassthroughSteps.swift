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
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let entries = try await entries(in: try await config())
        return entries.isEmpty ? .done : .pending(reason: entries.map(\.key).joined(separator: ", ") + " pass it")
    }

    func apply(_ context: StepContext) async throws {
        let config = try await config()
        let entries = try await entries(in: config)
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
        let found = try await device.kind.lookup(on: side.host, environment.connections.proxmox)
        for line in text.split(separator: "\n") {
            var parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            parts[1] = device.kind.rebase(parts[1], onto: found)
            if config.values[parts[0]] == parts[1] { continue }
            let kind = device.kind
            let key = config.values[parts[0]] == nil ? parts[0] : kind.freeKey(in: config)
            guard let key else {
                throw StepFailure("VM \(side.vmid) has no free \(kind.kindName) slot to put \(parts[1]) back", fix: "qm set \(side.vmid) -delete \(kind.keyPrefix)N for an unused one")
            }
            changes[key] = parts[1]
            config.values[key] = parts[1]
        }
        guard !changes.isEmpty else { return }
        let proxmox = environment.connections.proxmox
        try await proxmox.setConfig(node: side.host, vmid: side.vmid, set: changes)
        // Hot-plugged back into the running VM: no reboot of the source node. (A
        // VM its host started without the card after a move back reboots too.)
        let current = Set(try await proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true).values.values)
        if changes.values.allSatisfy(current.contains) {
            context.notice("Proxmox hot-plugged \(device.label) back into VM \(side.vmid): it does not reboot")
            return
        }
        try await VMReboot(environment: environment, side: side, shell: environment.sourceShell).reboot(context)
    }

    func describe() -> [String] {
        let family = device.kind.keyPrefix + "N"
        return ["qm set \(side.vmid) --delete \(family)   (on \(side.host): every \(family) line that passes \(device.label))"]
    }

    private func config() async throws -> VMConfig {
        try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid)
    }

    private func entries(in config: VMConfig) async throws -> [(key: String, value: String)] {
        let found = try await device.kind.lookup(on: side.host, environment.connections.proxmox)
        return device.kind.entries(in: config, found: found)
    }
}

/// Passes the device to the target VM: one `usbN` line per id (a Coral needs both),
/// with `usb3=1` when the plan says so, or a `hostpciN` line at the card's address
/// on the target host, on free slots. Takes effect at once when Proxmox hot-plugs
/// it into the running VM, else at reboot-target's reboot.
struct AddPassthroughStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "add-passthrough-\(device.name)" }
    var title: String { "Pass \(device.label) through to VM \(side.vmid) on \(side.host)" }
    var phase: MigrationPhase { .target }
    /// A config change, hot-plugged at most: the target VM keeps running.
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let missing = try await missingValues(in: try await config())
        return missing.isEmpty ? .done : .pending(reason: "missing " + missing.joined(separator: ", "))
    }

    func apply(_ context: StepContext) async throws {
        var config = try await config()
        let digest = config.digest
        let kind = device.kind
        let proxmox = environment.connections.proxmox
        let found = try await kind.lookup(on: side.host, proxmox)
        if kind.dependsOnHost && found == nil {
            throw StepFailure("\(device.label) is not in \(side.host) (GET \(kind.listingPath(side.host)))",
                              fix: "put it in \(side.host) (`\(kind.listCommand)` there lists it), then `ferry resume`")
        }
        var changes: [String: String] = [:]
        for value in kind.missingValues(in: config, found: found) {
            guard let key = kind.freeKey(in: config) else {
                let family = kind.keyPrefix
                throw StepFailure(
                    "VM \(side.vmid) on \(side.host) has no free \(kind.kindName) passthrough slot (\(family)0 to \(family)\(kind.slotCount - 1) are taken)",
                    fix: "free one: qm config \(side.vmid) | grep ^\(family), then qm set \(side.vmid) -delete \(family)N; then `ferry resume`")
            }
            changes[key] = value
            config.values[key] = value
        }
        try await context.remember("keys", changes.keys.sorted().joined(separator: ","))
        // The lines as set, for the report: a card's address is the target host's own.
        let byIndex = changes.keys.sorted { ($0.count, $0) < ($1.count, $1) }
        try await context.remember("lines", byIndex.map { "\($0)=\(changes[$0]!)" }.joined(separator: "\n"))
        try await proxmox.setConfig(node: side.host, vmid: side.vmid, set: changes, digest: digest)
        // What the running VM has now: Proxmox hot-plugged the lines, or they wait for
        // the reboot (which reboot-target then says why).
        if kind.missingValues(in: try await proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true), found: found).isEmpty {
            context.notice("Proxmox hot-plugged \(device.label) into VM \(side.vmid): it does not reboot")
        }
    }

    func undo(_ context: StepContext) async throws {
        let config = try await config()
        let found = try await device.kind.lookup(on: side.host, environment.connections.proxmox)
        let ours = Set(device.kind.entries(in: config, found: found).map(\.key))
        let keys = (await context.recall("keys") ?? "").split(separator: ",").map(String.init).filter(ours.contains)
        guard !keys.isEmpty else { return }
        try await environment.connections.proxmox.setConfig(node: side.host, vmid: side.vmid, delete: keys, digest: config.digest)
    }

    func describe() -> [String] {
        let kind = device.kind
        return kind.values(for: FoundDevice(description: "", address: "ADDRESS")).map { value in
            let at = value.contains("ADDRESS") ? ", ADDRESS where \(side.host) has the card" : ""
            return "qm set \(side.vmid) --\(kind.keyPrefix)N \(value)   (on \(side.host), N a free slot\(at))"
        }
    }

    private func config() async throws -> VMConfig {
        try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid)
    }

    private func missingValues(in config: VMConfig) async throws -> [String] {
        let found = try await device.kind.lookup(on: side.host, environment.connections.proxmox)
        return device.kind.missingValues(in: config, found: found)
    }
}
