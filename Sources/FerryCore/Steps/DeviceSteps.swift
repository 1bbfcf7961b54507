import FerryKube
import FerryProxmox
import Foundation

/// The one step a person does: move the device from the source host to the target
/// host. ferry says exactly what to move where, then waits until Proxmox sees the
/// device on the target host, or until the person confirms. A USB device is moved
/// with the hosts running; a PCI card only with both hosts off, so ferry first shuts
/// them down through the API (asking first at a terminal) and, once the card is in the
/// target host, waits for both hosts and the VMs that ran on them to be back.
struct PhysicalMoveStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var plan: MigrationPlan { environment.plan }
    var id: String { "move-\(device.name)" }
    var title: String { "Move \(device.label) from \(plan.source.host) to \(plan.target.host)" }
    var phase: MigrationPhase { .move }
    /// The volumes' last copy goes on while the person moves the device.
    var alongside: Set<StepLane> { StepLane.sides }
    private var proxmox: ProxmoxClient { environment.connections.proxmox }
    /// How long a VM that ran before its host went down may take to start on boot.
    static let onbootWait = Duration.seconds(30)

    /// Beside the copy only when the hosts keep running: powering them down would
    /// cut the copy between their nodes.
    func mayRun(beside lanes: Set<StepLane>) async -> Bool {
        lanes.isEmpty || device.kind.movesLive
    }

    func inspect(_ context: StepContext) async throws -> StepState {
        let (source, target) = (plan.source.host, plan.target.host)
        guard try await plugged(into: target) else { return .pending(reason: "not on \(target) yet") }
        if !device.kind.movesLive, let down = try await offline([source, target]).first {
            return .pending(reason: "\(down) is not back yet")
        }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        if device.kind.movesLive {
            try await waitFor(plan.target.host, from: plan.source.host, context)
        } else {
            try await carry(to: plan.target.host, from: plan.source.host, context)
        }
    }

    func undo(_ context: StepContext) async throws {
        if try await plugged(into: plan.source.host), try await offline([plan.source.host, plan.target.host]).isEmpty { return }
        if device.kind.movesLive {
            try await waitFor(plan.source.host, from: plan.target.host, context)
        } else {
            try await carry(to: plan.source.host, from: plan.target.host, context)
        }
    }

    func describe() -> [String] {
        let (source, target) = (plan.source.host, plan.target.host)
        let wait = "wait until \(target) lists it (GET \(device.kind.listingPath(target))), at most \(plan.timeouts.deviceMove)"
        guard device.kind.movesLive else {
            return [
                "ask, then shut down \(source) and \(target) (POST /nodes/HOST/status command=shutdown): their VMs and K3s nodes stop with them",
                "ask: move \(device.label) from \(source) into \(target), then power both on",
                wait + ", then until both hosts are online and their VMs run again",
            ]
        }
        let port: String = device.usb?.usb3 == true ? " (a USB 3 port)" : ""
        return ["ask: unplug \(device.label) from \(source) and plug it into \(target)\(port)", wait]
    }

    /// Whether `host` lists the device; a host that does not answer (powered down) does not.
    private func plugged(into host: String) async throws -> Bool {
        do {
            return try await device.kind.find(on: host, proxmox) != nil
        } catch where !device.kind.movesLive {
            return false
        }
    }

    /// The hosts of `hosts` that are not online.
    private func offline(_ hosts: [String]) async throws -> [String] {
        let states = try await proxmox.nodes()
        return hosts.filter { host in states.first { $0.node == host }?.isOnline != true }
    }

    private func waitFor(_ host: String, from other: String, _ context: StepContext) async throws {
        let port = device.usb?.usb3 == true ? " (a USB 3 port, the blue one)" : ""
        context.notice("Unplug \(device.label) from \(other) and plug it into \(host)\(port). \(goesOn(host))")
        try await awaitDevice(on: host, context)
    }

    /// A card's move: both hosts off, the card carried, both hosts and their VMs back.
    private func carry(to host: String, from other: String, _ context: StepContext) async throws {
        let sides = [other, host]
        let timeout = plan.timeouts.deviceMove.duration
        if try await offline(sides).count < sides.count, try await !plugged(into: host) {
            let running = try await proxmox.virtualMachines().filter { sides.contains($0.node) && $0.status == "running" }
            try await context.remember("vms", running.map { "\($0.node)/\($0.vmid)" }.joined(separator: ","))
            let vms = running.map { "VM \($0.vmid) (\($0.name))" }.joined(separator: ", ")
            let ask = environment.confirmation == nil ? "ferry shuts them down now."
                : "Press Enter to shut them down now, Ctrl-C to stop (`ferry resume` asks again)."
            context.notice("Moving \(device.label) needs \(other) and \(host) powered off: \(vms.isEmpty ? "no VM runs on them" : "\(vms) stop with them, and every pod on their K3s nodes"). \(ask)")
            if let confirmation = environment.confirmation {
                context.waiting("Enter to shut down \(other) and \(host)")
                await confirmation.confirmed()
                try Task.checkCancellation()
            }
            for side in sides where try await offline([side]).isEmpty { try await proxmox.shutdownHost(side) }
            context.waiting("\(other) and \(host) to power off")
            guard try await environment.poll(timeout, { try await offline(sides).count == sides.count }) else {
                throw StepFailure("\(other) and \(host) did not power off within \(plan.timeouts.deviceMove)",
                                  fix: "shut them down by hand (`shutdown -h now` on each), then `ferry resume`")
            }
        }
        context.notice("Take \(device.label) out of \(other), put it into \(host), then power both on. \(goesOn(host))")
        try await awaitDevice(on: host, context)
        context.waiting("\(other) and \(host) to be back")
        guard try await environment.poll(timeout, { try await offline(sides).isEmpty }) else {
            let down = try await offline(sides).joined(separator: " and ")
            throw StepFailure("\(down) did not come back within \(plan.timeouts.deviceMove)",
                              fix: "power it on (its console, IPMI or power button), then `ferry resume`")
        }
        try await restart(context)
    }

    /// How the wait for the device ends, as the notice tells the person.
    private func goesOn(_ host: String) -> String {
        environment.confirmation == nil
            ? "ferry goes on as soon as \(host) lists it."
            : "ferry goes on as soon as \(host) lists it; press Enter to check now, Ctrl-C to stop (`ferry resume` continues)."
    }

    /// Starts the VMs that ran before the hosts went down and did not start on boot
    /// (no `onboot: 1`); waits, up to `timeouts.vmBoot`, for each to run.
    private func restart(_ context: StepContext) async throws {
        let before = (await context.recall("vms") ?? "").split(separator: ",").compactMap { entry -> (String, Int)? in
            let parts = entry.split(separator: "/")
            return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? 0) : nil
        }
        for (node, vmid) in before {
            let running = { try await proxmox.status(node: node, vmid: vmid).isRunning }
            // A VM with onboot: 1 starts soon after its host is online (pve-guests).
            if try await environment.poll(Self.onbootWait, running) { continue }
            context.notice("VM \(vmid) did not start with \(node) within \(Self.onbootWait) (no onboot: 1?): ferry starts it")
            do {
                let upid = try await proxmox.start(node: node, vmid: vmid)
                _ = try await proxmox.waitForTask(node: node, upid: upid, timeout: plan.timeouts.vmBoot.duration)
            } catch {
                // It started meanwhile after all.
                if try await running() { continue }
                throw StepFailure("VM \(vmid) on \(node) does not start: \(error)", fix: "start it (`qm start \(vmid)` on \(node)), then `ferry resume`")
            }
        }
    }

    /// Waits until `host` lists the device, or, at a terminal, the person presses
    /// Enter and it is there.
    private func awaitDevice(on host: String, _ context: StepContext) async throws {
        // The message ends with the host: the lab's stand-in hands read it there.
        context.waiting("\(device.label) on \(host)")
        let timeout = plan.timeouts.deviceMove.duration
        let found: Bool
        if let confirmation = environment.confirmation {
            found = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await environment.poll(timeout) { try await plugged(into: host) } }
                group.addTask {
                    // Enter before the device is there checks and goes on waiting.
                    while true {
                        await confirmation.confirmed()
                        try Task.checkCancellation()
                        if try await plugged(into: host) { return true }
                        context.warn("\(host) does not list \(device.label) yet; still waiting (Enter checks again)")
                    }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
        } else {
            found = try await environment.poll(timeout) { try await plugged(into: host) }
        }
        guard found else {
            throw StepFailure(
                "\(device.label) is not on \(host) (waited \(plan.timeouts.deviceMove) for it to appear)",
                fix: "\(device.kind.movesLive ? "plug" : "put") it into \(host) (check with `\(device.kind.listCommand)` on \(host)), then `ferry resume`")
        }
    }
}

/// Checks the device is on the target host, and can be passed from there (a PCI
/// card alone in its IOMMU group), before ferry changes a VM for it.
struct VerifyHostDeviceStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var host: String { environment.plan.target.host }
    var id: String { "verify-host-\(device.name)" }
    var title: String { "Verify \(device.label) on \(host)" }
    var phase: MigrationPhase { .target }
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let kind = device.kind
        guard let found = try await kind.find(on: host, environment.connections.proxmox) else {
            let how = device.move ? "plug it in" : "the plan says \(host) has its own (move: false); put one in"
            return .blocked(reason: "\(device.label) is not in \(host): \(how) (check with `\(kind.listCommand)` on \(host)), then `ferry resume`")
        }
        if let problem = found.problem { return .blocked(reason: "\(problem.reason): \(problem.fix), then `ferry resume`") }
        return .done
    }

    func apply(_ context: StepContext) async throws {}
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] {
        ["check \(host) lists \(device.label) (GET \(device.kind.listingPath(host)))" + (device.kind.hostRequirement.map { ", \($0)" } ?? "")]
    }
}

/// Makes the new passthrough take effect in the target VM: Proxmox hot-plugs USB
/// into a VM that allows it (`USBHotplug`), and then the VM keeps running and its
/// node's pods are not interrupted; otherwise the VM reboots, and ferry waits for the
/// VM and its node. Done when the device is already visible inside the VM.
struct RebootTargetStep: MigrationStep {
    let environment: MigrationEnvironment
    let devices: [MigrationPlan.Device]

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "reboot-target" }
    var title: String { "Bring \(devices.map(\.name).joined(separator: ", ")) into VM \(side.vmid) (\(side.vm)): hot-plug or reboot" }
    var phase: MigrationPhase { .target }

    /// How long a hot-plugged device may take to show in the guest (the guest's USB
    /// enumeration; a second or two on real hardware) before ferry reboots after all.
    static let hotplugWait = Duration.seconds(15)

    private var labels: String { devices.map(\.label).joined(separator: ", ") }

    /// Beside the volumes' copy only when the VM will not reboot (Proxmox hot-plugged
    /// the devices, or the VM sees them already; never a PCI card): a reboot would cut the copy to its
    /// node, so it waits for the copy and the switch to end. Unsure is a reboot. Proxmox
    /// is asked first: an API call, where the VM's look is a command in the guest (through
    /// its agent, a tenth of a second of downtime).
    func mayRun(beside lanes: Set<StepLane>) async -> Bool {
        guard !lanes.isEmpty else { return true }
        if (try? await hotPlugged()) == true { return true }
        return await missing()?.isEmpty == true
    }

    func inspect(_ context: StepContext) async throws -> StepState {
        guard let missing = await missing() else { return .pending(reason: "\(side.vm) does not answer") }
        guard missing.isEmpty else { return .pending(reason: "the VM does not see " + missing.map(\.label).joined(separator: ", ")) }
        let node = try await environment.kube.find(.nodes, side.node).map(Node.init(json:))
        return node?.isReady == true ? .done : .pending(reason: "node \(side.node) is not Ready")
    }

    func apply(_ context: StepContext) async throws {
        let reboot = VMReboot(environment: environment, side: side, shell: environment.targetShell)
        // An earlier attempt, stopped in its wait, rebooted it already: the VM sees the
        // device, and only its node is still to come up. (Asked only then: in a first
        // attempt the inspection just found the device missing, and asking the VM
        // again is a tenth of a second of downtime.)
        if await context.recall(VMReboot.requested) != nil {
            if await missing()?.isEmpty == true { return try await reboot.waitNodeReady(context) }
        } else if try await hotPlugged() {
            context.waiting("\(labels) to show in \(side.vm) (hot-plugged: no reboot)")
            if try await environment.poll(Self.hotplugWait, { await missing()?.isEmpty == true }) {
                return try await reboot.waitNodeReady(context)
            }
            context.warn("VM \(side.vmid) took \(labels) but does not list it after \(Self.hotplugWait): rebooting it")
        } else {
            let config = try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid)
            let reasons = devices.compactMap { device -> String? in
                if case .no(let reason, _) = device.kind.hotplug(config, vmid: side.vmid) { return reason }
                return nil
            }
            if let reason = reasons.first { context.notice("VM \(side.vmid) reboots to get \(labels): \(reason)") }
        }
        try await reboot.reboot(context)
    }

    /// Whether the running VM has every device's passthrough already: Proxmox
    /// hot-plugged it (the change is not pending).
    private func hotPlugged() async throws -> Bool {
        let proxmox = environment.connections.proxmox
        let current = try await proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true)
        for device in devices {
            let found = try await device.kind.lookup(on: side.host, proxmox)
            if !device.kind.missingValues(in: current, found: found).isEmpty { return false }
        }
        return true
    }

    /// The devices the VM does not list (`lsusb`, `lspci -nn`: each command once);
    /// nil when it does not answer.
    private func missing() async -> [MigrationPlan.Device]? {
        var outputs: [String: String] = [:]
        var missing: [MigrationPlan.Device] = []
        for device in devices {
            let kind = device.kind
            if outputs[kind.listCommand] == nil {
                guard let output = try? await environment.targetShell.run(["sh", "-c", kind.listCommand]).output else { return nil }
                outputs[kind.listCommand] = output.stdoutText
            }
            let found = try? await kind.lookup(on: side.host, environment.connections.proxmox)
            if !kind.visible(inProbe: outputs[kind.listCommand] ?? "", found: found) { missing.append(device) }
        }
        return missing
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] {
        let probes = Set(devices.map(\.kind.listCommand)).sorted().joined(separator: ", ")
        return [
            "when Proxmox hot-plugged it (qm config \(side.vmid) --current lists it): wait until \(probes) in the VM lists it; no reboot",
            "otherwise: qm reboot \(side.vmid) (on \(side.host)); wait until it answers and node \(side.node) is Ready",
        ]
    }
}

/// Looks for the device inside the target VM (`lsusb`, `lspci -nn`), over SSH or the guest agent.
struct VerifyVMDeviceStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "verify-vm-\(device.name)" }
    var title: String { "Verify \(device.label) inside \(side.vm)" }
    var phase: MigrationPhase { .target }
    /// It only reads the VM; the volumes' copy does not touch the device.
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let kind = device.kind
        let output = try await environment.run(kind.listCommand, in: environment.targetShell, context)
        let found = try await kind.lookup(on: side.host, environment.connections.proxmox)
        if kind.visible(inProbe: output.stdoutText, found: found) { return .done }
        return .blocked(
            reason: "\(side.vm) does not see \(device.label) (\(kind.listCommand) lists no such id): check its \(kind.keyPrefix)N lines with "
                + "`qm config \(side.vmid)` on \(side.host)\(device.usb?.usb3 == true ? " (usb3=1)" : ""), reboot the VM, then `ferry resume`")
    }

    func apply(_ context: StepContext) async throws {}
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { ["\(device.kind.listCommand) in \(side.vm) (SSH, else guest agent): expect \(device.label)"] }
}
