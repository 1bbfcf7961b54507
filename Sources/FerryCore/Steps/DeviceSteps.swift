import FerryKube
import FerryProxmox
import Foundation

/// The one step a person does: unplug the device from the source host and plug it
/// into the target host. ferry says exactly what to move where, then waits until
/// Proxmox sees the device on the target host, or until the person confirms.
struct PhysicalMoveStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var plan: MigrationPlan { environment.plan }
    var id: String { "move-\(device.name)" }
    var title: String { "Move \(device.label) from \(plan.source.host) to \(plan.target.host)" }
    var phase: MigrationPhase { .move }
    /// The volumes' last copy goes on while the person moves the device.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        try await plugged(into: plan.target.host) ? .done : .pending(reason: "not on \(plan.target.host) yet")
    }

    func apply(_ context: StepContext) async throws {
        try await waitFor(plan.target.host, from: plan.source.host, context)
    }

    func undo(_ context: StepContext) async throws {
        if try await plugged(into: plan.source.host) { return }
        try await waitFor(plan.source.host, from: plan.target.host, context)
    }

    func describe() -> [String] {
        let port: String = device.usb?.usb3 == true ? " (a USB 3 port)" : ""
        let ask: String = "ask: unplug \(device.label) from \(plan.source.host) and plug it into \(plan.target.host)\(port)"
        let wait: String = "wait until \(plan.target.host) lists it (GET /nodes/\(plan.target.host)/hardware/usb), at most \(plan.timeouts.deviceMove)"
        return [ask, wait]
    }

    private func plugged(into host: String) async throws -> Bool {
        device.plugged(in: try await environment.connections.proxmox.usbDevices(node: host)) != nil
    }

    private func waitFor(_ host: String, from other: String, _ context: StepContext) async throws {
        let port = device.usb?.usb3 == true ? " (a USB 3 port, the blue one)" : ""
        let confirmation = environment.confirmation
        let how = confirmation == nil
            ? "ferry goes on as soon as \(host) lists it."
            : "ferry goes on as soon as \(host) lists it; press Enter to check now, Ctrl-C to stop (`ferry resume` continues)."
        context.notice("Unplug \(device.label) from \(other) and plug it into \(host)\(port). \(how)")
        // The message ends with the host: the lab's stand-in hands read it there.
        context.waiting("\(device.label) on \(host)")
        let timeout = plan.timeouts.deviceMove.duration
        let found: Bool
        if let confirmation {
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
                fix: "plug it into \(host) (check with `lsusb` on \(host)), then `ferry resume`")
        }
    }
}

/// Checks the device is on the target host before ferry reboots a VM for it.
struct VerifyHostDeviceStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var host: String { environment.plan.target.host }
    var id: String { "verify-host-\(device.name)" }
    var title: String { "Verify \(device.label) on \(host)" }
    var phase: MigrationPhase { .target }
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let devices = try await environment.connections.proxmox.usbDevices(node: host)
        if device.plugged(in: devices) != nil { return .done }
        return .blocked(reason: "\(device.label) is not plugged into \(host): plug it in (check with `lsusb` on \(host)), then `ferry resume`")
    }

    func apply(_ context: StepContext) async throws {}
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { ["check \(host) lists \(device.label)"] }
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
    /// the devices, or the VM sees them already): a reboot would cut the copy to its
    /// node, so it waits for the copy and the switch to end. Unsure is a reboot.
    func mayRun(beside lanes: Set<StepLane>) async -> Bool {
        guard !lanes.isEmpty else { return true }
        if await missing()?.isEmpty == true { return true }
        return (try? await hotPlugged()) == true
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
            if case .no(let reason, _) = config.usbHotplug(vmid: side.vmid) {
                context.notice("VM \(side.vmid) reboots to get \(labels): \(reason)")
            }
        }
        try await reboot.reboot(context)
    }

    /// Whether the running VM has every device's passthrough already: Proxmox
    /// hot-plugged it (the change is not pending).
    private func hotPlugged() async throws -> Bool {
        let current = try await environment.connections.proxmox.vmConfig(node: side.host, vmid: side.vmid, current: true)
        return devices.allSatisfy { $0.missingValues(in: current).isEmpty }
    }

    /// The devices the VM does not list in `lsusb`; nil when it does not answer.
    private func missing() async -> [MigrationPlan.Device]? {
        guard let output = try? await environment.targetShell.run(["sh", "-c", "lsusb"]).output else { return nil }
        return devices.filter { !$0.visible(inLsusb: output.stdoutText) }
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] {
        [
            "when Proxmox hot-plugged it (qm config \(side.vmid) --current lists it): wait until lsusb in the VM lists it; no reboot",
            "otherwise: qm reboot \(side.vmid) (on \(side.host)); wait until it answers and node \(side.node) is Ready",
        ]
    }
}

/// Looks for the device inside the target VM (`lsusb`), over SSH or the guest agent.
struct VerifyVMDeviceStep: MigrationStep {
    let environment: MigrationEnvironment
    let device: MigrationPlan.Device

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "verify-vm-\(device.name)" }
    var title: String { "Verify \(device.label) inside \(side.vm)" }
    var phase: MigrationPhase { .target }
    /// It only reads the VM; the volumes' copy does not touch the device.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let output = try await environment.run("lsusb", in: environment.targetShell, context)
        if device.visible(inLsusb: output.stdoutText) { return .done }
        return .blocked(
            reason: "\(side.vm) does not see \(device.label) (lsusb lists no such id): check its usbN lines with "
                + "`qm config \(side.vmid)` on \(side.host)\(device.usb?.usb3 == true ? " (usb3=1)" : ""), reboot the VM, then `ferry resume`")
    }

    func apply(_ context: StepContext) async throws {}
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { ["lsusb in \(side.vm) (SSH, else guest agent): expect \(device.label)"] }
}

/// Installs a driver in the target VM when the plan's check says it is missing.
struct DriverStep: MigrationStep {
    let environment: MigrationEnvironment
    let driver: MigrationPlan.Driver

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "driver-\(driver.name)" }
    var title: String { "Driver \(driver.name) in \(side.vm)" }
    var phase: MigrationPhase { .target }
    /// A package install in the VM leaves its pods running. Should a plan's install
    /// restart the node after all, the copy fails with the originals untouched and
    /// `ferry resume` copies again.
    var alongside: Set<StepLane> { [.volumes] }

    func inspect(_ context: StepContext) async throws -> StepState {
        let output = try await environment.run(driver.check, in: environment.targetShell, context)
        if output.exitCode == 0 { return .done }
        guard driver.install != nil else {
            return .blocked(reason: "`\(driver.check)` fails in \(side.vm) and the plan gives no install command: install \(driver.name) by hand, then `ferry resume`")
        }
        return .pending(reason: "`\(driver.check)` exited \(output.exitCode)")
    }

    func apply(_ context: StepContext) async throws {
        guard let install = driver.install else { return }
        context.waiting("\(driver.name) to install in \(side.vm)")
        let output = try await environment.run(install, in: environment.targetShell, context)
        let check = try await environment.run(driver.check, in: environment.targetShell, context)
        guard check.exitCode == 0 else {
            let tail = (output.stderrText + output.stdoutText).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw StepFailure(
                "installing \(driver.name) in \(side.vm) did not make `\(driver.check)` pass (install exited \(output.exitCode): \(tail))",
                fix: "install it by hand in \(side.vm), then `ferry resume`")
        }
    }

    /// Left installed: a driver does no harm on a VM without the device.
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        var lines = ["in \(side.vm): \(driver.check)"]
        if let install = driver.install { lines.append("in \(side.vm), if that fails: \(install)") }
        return lines
    }
}
