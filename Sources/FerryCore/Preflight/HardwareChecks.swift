import FerryProxmox
import FerryRemote

/// The hardware side of the target: each device is on the target host (a PCI card
/// alone in its IOMMU group), or still on the source host when it moves (then it
/// will be after the physical move); the target VM has a free passthrough slot for
/// each line the plan adds, and takes them without a reboot or says what its reboot
/// interrupts; and `/dev/dri` exists in the VM when the new
/// hardware-acceleration preset needs it.
struct HardwareChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let connections: Connections
    var name: String { "hardware" }
    var waitsFor: String { "the Proxmox API (\(plan.source.host), \(plan.target.host)) and VM \(plan.target.vmid)" }

    func run() async -> [PreflightResult] {
        async let devices = deviceChecks()
        async let slots = slotCheck()
        async let power = powerCheck()
        async let dri = driCheck()
        return await devices + slots + power + dri
    }

    // MARK: Hosts powered off

    /// A card carried between hosts powers both off: what stops with them.
    private func powerCheck() async -> [PreflightResult] {
        let carried = plan.devices.filter { $0.move && !$0.kind.movesLive }
        guard !carried.isEmpty else { return [] }
        let (source, target) = (plan.source, plan.target)
        let check = "power-off \(source.host) \(target.host)"
        let cards = carried.map(\.name).joined(separator: ", ")
        do {
            let vms = try await connections.proxmox.virtualMachines().filter { [source.host, target.host].contains($0.node) && $0.status == "running" }
            var pods: [String] = []
            for node in [source.node, target.node] {
                if let named = try? await RebootInterruption.read(node: node, kube: connections.kube).excluding(plan.workload).named { pods.append(named) }
            }
            let stopped = vms.map { "VM \($0.vmid) (\($0.name))" }.joined(separator: ", ")
            return [.warn(check, "moving \(cards) powers off \(source.host) and \(target.host): \(stopped.isEmpty ? "no VM runs on them" : stopped) stop with them"
                              + (pods.isEmpty ? "" : ", and " + pods.joined(separator: " and ")),
                          fix: "plan the run for when that may be down; ferry shuts them down through the API (asking first at a terminal) and starts them again")]
        } catch {
            return [.fail(check, "cannot list the VMs on \(source.host) and \(target.host): \(error.description)",
                          fix: "check that the Proxmox API answers (pvesh get /cluster/resources --type vm)")]
        }
    }

    // MARK: Devices

    /// Each device where the plan needs it: on the target host (or, for one that
    /// moves, still on the source), and passable from there.
    private func deviceChecks() async -> [PreflightResult] {
        await withTaskGroup(of: (Int, PreflightResult).self) { group in
            for (index, device) in plan.devices.enumerated() { group.addTask { (index, await check(device)) } }
            var results: [(Int, PreflightResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func check(_ device: MigrationPlan.Device) async -> PreflightResult {
        let check = "device \(device.name)"
        let (source, target) = (plan.source.host, plan.target.host)
        let kind = device.kind
        // Both hosts at once: with a slow API, one round trip, not two.
        async let onTarget = find(kind, on: target)
        async let onSource = device.move ? find(kind, on: source) : .success(nil)
        let found: FoundDevice?
        do {
            found = try await onTarget.get()
        } catch {
            let listing = "check that the Proxmox API can list \(target)'s \(kind.kindName) devices (pvesh get \(kind.listingPath(target)))"
            let mapping = kind.mapping.map { "check resource mapping \($0.name) (pvesh get /cluster/mapping/\($0.kind.rawValue)/\($0.name)), and " }
            return .fail(check, error.description, fix: (mapping ?? "") + listing)
        }
        if let found {
            if let problem = found.problem { return .fail(check, "\(device.label) is on \(target) (\(found)), but \(problem.reason)", fix: problem.fix) }
            return .pass(check, "\(device.label) is on \(target): \(found)")
        }
        if let (mappingKind, name) = kind.mapping {
            let what = mappingKind == .pci ? "card" : "device"
            let fix = "add \(target)'s \(what) to \(name) in Datacenter > Resource Mappings (or `pvesh set /cluster/mapping/\(mappingKind.rawValue)/\(name) --map ...`), then run ferry check again"
            do {
                if try await connections.proxmox.mapping(mappingKind, name).entry(for: target) == nil {
                    return .fail(check, "\(device.label) is not on \(target): resource mapping \(name) has no entry for \(target)", fix: fix)
                }
            } catch {
                return .fail(check, error.description, fix: "check the mapping's name (pvesh get /cluster/mapping/\(mappingKind.rawValue))")
            }
        }
        guard device.move else {
            return .fail(check, "\(device.label) is not on \(target), and the plan says it has its own (move: false)",
                         fix: "put one into \(target) (`\(kind.listCommand)` there lists it), or plan the move of the source's with move: true")
        }
        let sourceNote: String
        do {
            if let onSource = try await onSource.get() {
                return .pass(check, "\(device.label) is still on \(source) (\(onSource)): it will be on \(target) after the physical move")
            }
            sourceNote = ""
        } catch {
            sourceNote = " (\(source) could not be listed: \(error.description))"
        }
        return .fail(check, "\(device.label) is \(kind.movesLive ? "plugged into" : "in") neither \(target) nor \(source)\(sourceNote)",
                     fix: "plug \(device.name) into \(target) or \(source), then run ferry check again (`\(kind.listCommand)` on the host lists what is there)")
    }

    private func find(_ kind: any PassthroughKind, on host: String) async -> Result<FoundDevice?, ProxmoxError> {
        do {
            return .success(try await kind.find(on: host, connections.proxmox))
        } catch {
            return .failure(error)
        }
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
        // Lines still to add, per key family; a card the target host lacks counts one.
        var needed: [String: (kind: any PassthroughKind, count: Int)] = [:]
        for device in plan.devices {
            let kind = device.kind
            let found = try? await kind.lookup(on: target.host, connections.proxmox)
            let count = kind.dependsOnHost && found == nil ? 1 : kind.missingValues(in: config, found: found).count
            needed[kind.keyPrefix, default: (kind, 0)].count += count
        }
        var problems: [String] = []
        var free: [String] = []
        for family in needed.keys.sorted() {
            let (kind, count) = needed[family]!
            let freeKeys = (0..<kind.slotCount).map { "\(family)\($0)" }.filter { config[$0] == nil }
            if count > freeKeys.count { problems.append("the plan needs \(count) \(family)N lines, \(freeKeys.count) are free") }
            if count > 0 { free.append(freeKeys.prefix(count).joined(separator: ", ")) }
        }
        guard problems.isEmpty else {
            let used = config.usb.map(\.key) + config.pci.map(\.key)
            return [.fail(check, "VM \(target.vmid) on \(target.host): " + problems.joined(separator: "; "),
                          fix: "remove passthrough lines it no longer needs, e.g. `qm set \(target.vmid) --delete \(used.last ?? "usb0")` on \(target.host) (in use: \(used.joined(separator: ", ")))")]
        }
        let slots = PreflightResult.pass(check, free.isEmpty ? "VM \(target.vmid) already passes every device of the plan"
                                            : "VM \(target.vmid) on \(target.host) has free slots for the passthrough: \(free.joined(separator: ", "))")
        guard !free.isEmpty else { return [slots] }
        return [slots, await hotplugCheck(config)]
    }

    /// Whether the target VM takes the passthrough without a reboot; when it
    /// reboots, which pods of its node that interrupts.
    private func hotplugCheck(_ config: VMConfig) async -> PreflightResult {
        let target = plan.target
        let check = "hotplug VM \(target.vmid)"
        let devices = plan.devices.map(\.name).joined(separator: ", ")
        let refusal = plan.devices.lazy.map { $0.kind.hotplug(config, vmid: target.vmid) }.first { $0 != .yes }
        guard case .no(let reason, let fix)? = refusal else {
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
