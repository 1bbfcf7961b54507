import Foundation

/// The Proxmox side of the lab: hosts, their VMs (each a K3s node) and the hardware
/// plugged into the hosts, with the rules that bit the blueprint's migration:
///
/// - USB and PCI passthrough take effect only when a VM starts (or reboots): a VM
///   sees the devices on its host that match the `usbN` / `hostpciN` entries it was
///   started with, as those devices show themselves now. A Coral passed by
///   `1a6e:089a` alone is lost once it re-enumerates as `18d1:9302`.
/// - While a VM is stopped, shutting down or booting, its K8s node's Ready
///   condition is Unknown and its kubelet does nothing (`Homelab+Kubernetes.swift`).
/// - Faults (`LabFaults`) can be switched on and off at any time.
///
/// ```swift
/// let homelab = Homelab(spec: .frigateCoral)
/// try await homelab.moveDevice("coral", toHost: "still-fawn")
/// await homelab.devicesVisible(inVM: 108)   // [] until VM 108 passes it and reboots
/// ```
public actor Homelab {
    public let hosts: [HostSpec]
    public let aptPackages: Set<String>
    let timing: LabConfiguration.Timing
    public private(set) var faults: LabFaults
    var machines: [Int: VirtualMachine] = [:]
    let addons: LabAddons
    public private(set) var mappings: [ResourceMappingSpec]
    var hardware: [Device]
    var tasks: [String: ProxmoxTask] = [:]
    var taskWaiters: [String: [CheckedContinuation<ProxmoxTask, Never>]] = [:]
    var execs: [Int: [Int: GuestExec]] = [:]
    var nextPid = 4000
    var apiRequests = 0
    var kube: KubeBinding?
    /// Hosts not `.on` (absent: on).
    var hostPower: [String: HostPower] = [:]
    /// When the hosts "booted": tasks' PSTART counts from here.
    let hostBoot = Date().addingTimeInterval(-30 * 86_400)

    /// The Kubernetes side the homelab writes node status and device directories to.
    struct KubeBinding: Sendable {
        let store: ObjectStore
        let filesystem: NodeFilesystem
        /// Wakes the cluster's controllers: hardware changes are not store changes,
        /// but a kubelet must notice when a running container loses its device.
        let hardwareChanged: @Sendable () -> Void
    }

    public init(spec: HomelabSpec, timing: LabConfiguration.Timing = .init(), faults: LabFaults = .init()) {
        hosts = spec.hosts
        aptPackages = spec.aptPackages
        self.timing = timing
        self.faults = faults
        hardware = spec.devices
        addons = spec.addons
        mappings = spec.mappings
        for vm in spec.vms {
            machines[vm.vmid] = VirtualMachine(spec: vm, smbiosUUID: UUID().uuidString.lowercased())
        }
    }

    // MARK: Faults

    public func setFaults(_ faults: LabFaults) async {
        // A device being unplugged loses its state: a Coral forgets its firmware.
        for index in hardware.indices where faults.missingDevices.contains(hardware[index].name) {
            hardware[index].powerCycle()
        }
        self.faults = faults
        await syncAllNodes()
    }

    /// Changes some faults, e.g. `await homelab.updateFaults { $0.rebootHangs.insert(108) }`.
    public func updateFaults(_ change: @Sendable (inout LabFaults) -> Void) async {
        var next = faults
        change(&next)
        await setFaults(next)
    }

    /// Whether this API request is one of the `apiErrorRate` fraction that fail:
    /// request n fails when floor(n * rate) steps up, so the pattern is exact and repeatable.
    func nextAPIRequestFails() -> Bool {
        apiRequests += 1
        let rate = min(max(faults.apiErrorRate, 0), 1)
        return Int(Double(apiRequests) * rate) > Int(Double(apiRequests - 1) * rate)
    }

    // MARK: What there is

    public var hostNames: [String] { hosts.map(\.name) }

    public func host(_ name: String) -> HostSpec? { hosts.first { $0.name == name } }

    public var virtualMachines: [VirtualMachine] { machines.values.sorted { $0.vmid < $1.vmid } }

    public func vm(_ vmid: Int) -> VirtualMachine? { machines[vmid] }

    /// The VM that runs the K8s node `node`.
    public func vm(kubeNode node: String) -> VirtualMachine? { machines.values.first { $0.kubeNode == node } }

    /// Every device, plugged or not, by lab name.
    public func device(named name: String) -> Device? { hardware.first { $0.name == name } }

    /// The devices plugged into `host` now (unplugged ones are on no host).
    public func devices(onHost host: String) -> [Device] {
        hardware.filter { $0.host == host && !faults.missingDevices.contains($0.name) }
    }

    /// The host devices the running VM has: those on its host matching the
    /// passthrough entries it was started with. Empty while the VM is stopped.
    public func devicesVisible(inVM vmid: Int) -> [Device] {
        guard let vm = machines[vmid], vm.power == .running, let booted = vm.bootedConfig else { return [] }
        let usb = booted.usbEntries.map(\.passthrough)
        let pci = booted.pciEntries.map(\.passthrough)
        return devices(onHost: vm.host).filter { device in
            switch device.kind {
            case .usb: usb.contains { $0.matches(device, host: vm.host, mappings: mappings) }
            case .pci: pci.contains { $0.matches(device, host: vm.host, mappings: mappings) }
            }
        }
    }

    /// The devices visible in the VM that runs K8s node `node`.
    public func devicesVisible(onNode node: String) -> [Device] {
        guard let vm = vm(kubeNode: node) else { return [] }
        return devicesVisible(inVM: vm.vmid)
    }

    /// Whether the VM has `/dev/dri` (an AMD or Intel GPU passed through).
    public func hasDRI(inVM vmid: Int) -> Bool {
        devicesVisible(inVM: vmid).contains { $0.providesDRI }
    }

    // MARK: Hardware

    /// Puts a new device into its host (a card fitted, a stick plugged in), as a test's
    /// or a scenario's setup does; a device of that name must not exist yet.
    public func install(_ device: Device) async throws(HomelabError) {
        guard hosts.contains(where: { $0.name == device.host }) else { throw .noSuchNode(device.host) }
        guard !hardware.contains(where: { $0.name == device.name }) else { throw .failure("device \(device.name) exists already", status: 400) }
        hardware.append(device)
        await syncAllNodes()
    }

    /// Adds or replaces a resource mapping (Datacenter > Resource Mappings).
    public func define(_ mapping: ResourceMappingSpec) async {
        mappings.removeAll { $0.kind == mapping.kind && $0.name == mapping.name }
        mappings.append(mapping)
        await syncAllNodes()
    }

    /// What a person does when a run asks for a device on `host`, after `delay` (the
    /// walk to the other host), on the lab's timers as its VMs' boots are: a USB
    /// device is re-plugged; a PCI card is carried once both hosts are off, and both
    /// are powered on again (`carryCard`).
    public nonisolated func moveDevice(_ name: String, toHost host: String, after delay: Duration) {
        after(delay) { homelab in
            if await homelab.device(named: name)?.kind == .pci {
                await homelab.carryCard(name, toHost: host)
            } else {
                try? await homelab.moveDevice(name, toHost: host)
            }
        }
    }

    /// Moves a device to `host` (the physical move of the migration), into `port`
    /// or the first free one on bus 2. It comes back as from cold: a Coral shows
    /// `1a6e:089a` again.
    public func moveDevice(_ name: String, toHost host: String, port: String? = nil) async throws(HomelabError) {
        guard let index = hardware.firstIndex(where: { $0.name == name }) else { throw .noSuchDevice(name) }
        guard hosts.contains(where: { $0.name == host }) else { throw .noSuchNode(host) }
        let before = machinesSeeing(hardware[index])
        switch hardware[index].kind {
        case .usb:
            hardware[index].host = host
            let taken = Set(hardware.filter { $0.host == host && $0.name != name }.compactMap(\.usbPort))
            hardware[index].usbPort = port ?? (1...15).map { "2-\($0)" }.first { !taken.contains($0) }
        case .pci:
            // A card comes out of a slot only with both hosts powered off; in the
            // other host it sits in the first free slot, at that slot's address.
            let from = hardware[index].host
            for side in Set([from, host]) where hostPower(side) != .off {
                throw .failure("\(name) is a PCI card: \(side) must be powered off to move it (it is \(hostPower(side).rawValue))", status: 400)
            }
            hardware[index].host = host
            let taken = Set(hardware.filter { $0.host == host && $0.name != name }.compactMap { $0.pciAddress?.prefix(10) }.map(String.init))
            hardware[index].pciAddress = (1...0xfe).map { String(format: "0000:%02x:00", $0) }.first { !taken.contains($0) }.map { $0 + ".0" }
        }
        hardware[index].powerCycle()
        for vmid in before.union(machinesSeeing(hardware[index])) { await syncNode(vmid) }
    }

    /// A process in VM `vmid` opens the device: a Coral loads its firmware and
    /// re-enumerates as `18d1:9302`. Returns false when the VM does not see it.
    @discardableResult
    public func openDevice(_ name: String, inVM vmid: Int) async -> Bool {
        guard let index = hardware.firstIndex(where: { $0.name == name }),
            devicesVisible(inVM: vmid).contains(where: { $0.name == name })
        else { return false }
        _ = hardware[index].open()
        await syncNode(vmid)
        return true
    }

    /// What a container that starts with its accelerator does (Frigate with the
    /// Coral): opens every re-enumerating USB device the node's VM sees. Returns the
    /// devices visible afterwards.
    @discardableResult
    public func openUSBDevices(onNode node: String) async -> [Device] {
        guard let vm = vm(kubeNode: node) else { return [] }
        for device in devicesVisible(inVM: vm.vmid) where device.kind == .usb && device.identityWhenOpened != nil {
            await openDevice(device.name, inVM: vm.vmid)
        }
        return devicesVisible(inVM: vm.vmid)
    }

    private func machinesSeeing(_ device: Device) -> Set<Int> {
        Set(machines.keys.filter { devicesVisible(inVM: $0).contains { $0.name == device.name } })
    }

    // MARK: Helpers

    /// The VM `vmid`, checked to live on `node` when one is given (as Proxmox's
    /// per-node URLs require).
    func machine(_ vmid: Int, on node: String?) throws(HomelabError) -> VirtualMachine {
        if let node, !hosts.contains(where: { $0.name == node }) { throw .noSuchNode(node) }
        guard let vm = machines[vmid], node == nil || vm.host == node else {
            throw .noConfig(vmid: vmid, node: node ?? machines[vmid]?.host ?? "localhost")
        }
        return vm
    }

    func allocatePid() -> Int {
        nextPid += Int.random(in: 1...97)
        return nextPid
    }
}
