import FerryJSON
import Foundation

/// Proxmox VE for a migration: where a VM lives, what is plugged into a host, a
/// VM's passthrough entries and changing them, power actions and their tasks, and
/// the QEMU guest agent. The same calls and models over either transport:
///
/// ```swift
/// let api = ProxmoxClient(transport: HTTPSTransport(configuration: configuration))
/// let ssh = ProxmoxClient(transport: SSHTransport(host: "still-fawn.maas", ssh: SSHClient()))
/// let where108 = try await api.vmLocation(vmid: 108)              // still-fawn, k3s-vm-still-fawn
/// let config = try await ssh.vmConfig(node: where108.node, vmid: 108)
/// ```
///
/// Every node name, VMID and USB id is checked before it is put in a path. Waits
/// poll (Proxmox has no task events) on `clock`, so tests can drive time.
public struct ProxmoxClient: Sendable {
    public let transport: any ProxmoxTransport
    let clock: any Clock<Duration>
    /// The longest time between two polls of a task's or a guest command's status.
    public var pollInterval: Duration

    public init(transport: any ProxmoxTransport, clock: any Clock<Duration> = ContinuousClock(), pollInterval: Duration = .milliseconds(500)) {
        self.transport = transport
        self.clock = clock
        self.pollInterval = pollInterval
    }

    // MARK: Cluster

    /// Every VM of the cluster with its node, from `/cluster/resources?type=vm`.
    public func virtualMachines() async throws(ProxmoxError) -> [VMLocation] {
        let data = try await transport.get("/cluster/resources", query: [("type", "vm")])
        guard let entries = data.arrayValue else {
            throw .decoding("GET /cluster/resources on \(transport.server): expected a list, got \(data.serialized.prefix(100))")
        }
        return entries.compactMap(VMLocation.init(json:)).sorted { $0.vmid < $1.vmid }
    }

    /// The node that runs VM `vmid`, with its name and state.
    public func vmLocation(vmid: Int) async throws(ProxmoxError) -> VMLocation {
        try ProxmoxNames.checkVMID(vmid)
        guard let found = try await virtualMachines().first(where: { $0.vmid == vmid }) else {
            throw ProxmoxError(code: .notFound, description: "VM \(vmid) is not in the cluster behind \(transport.server): check the VMID (qm list on each host)")
        }
        return found
    }

    /// The VM named `name` (a K3s node's VM is usually named like the node).
    public func vmLocation(name: String) async throws(ProxmoxError) -> VMLocation {
        let all = try await virtualMachines()
        let matches = all.filter { $0.name == name }
        guard matches.count == 1 else {
            let problem = matches.isEmpty ? "there is no VM named \(name)" : "VMs \(matches.map { String($0.vmid) }.joined(separator: ", ")) are all named \(name)"
            throw ProxmoxError(code: .notFound, description: "\(problem) in the cluster behind \(transport.server): give the VMID instead")
        }
        return matches[0]
    }

    /// The USB devices plugged into `node`, root hubs included (see `HostUSBDevice.isHub`).
    public func usbDevices(node: String) async throws(ProxmoxError) -> [HostUSBDevice] {
        try ProxmoxNames.checkNode(node)
        do throws(ProxmoxError) {
            let data = try await transport.get("/nodes/\(node)/hardware/usb")
            guard let entries = data.arrayValue else { throw ProxmoxError.decoding("expected a list, got \(data.serialized.prefix(100))") }
            var devices: [HostUSBDevice] = []
            for entry in entries { devices.append(try HostUSBDevice(json: entry)) }
            return devices
        } catch {
            throw error.during("cannot list the USB devices of \(node)")
        }
    }

    /// The PCI functions of `node`, with their IOMMU groups.
    public func pciDevices(node: String) async throws(ProxmoxError) -> [HostPCIDevice] {
        try ProxmoxNames.checkNode(node)
        do throws(ProxmoxError) {
            let data = try await transport.get("/nodes/\(node)/hardware/pci")
            guard let entries = data.arrayValue else { throw ProxmoxError.decoding("expected a list, got \(data.serialized.prefix(100))") }
            var devices: [HostPCIDevice] = []
            for entry in entries { devices.append(try HostPCIDevice(json: entry)) }
            return devices
        } catch {
            throw error.during("cannot list the PCI devices of \(node)")
        }
    }

    // MARK: VM config

    /// The VM's config (pending changes included, as the file has them); with
    /// `current`, the config the running VM was started with.
    public func vmConfig(node: String, vmid: Int, current: Bool = false) async throws(ProxmoxError) -> VMConfig {
        try check(node, vmid)
        do {
            let data = try await transport.get("/nodes/\(node)/qemu/\(vmid)/config", query: current ? [("current", "1")] : [])
            return try VMConfig(json: data)
        } catch {
            throw error.during("cannot read the config of VM \(vmid) on \(node)")
        }
    }

    /// Sets and deletes config keys in one change (`PUT .../config`). With `digest`
    /// (from `vmConfig`), the change fails with `.configChanged` if someone else
    /// changed the config in between. On a running VM, passthrough changes take
    /// effect at the next start or reboot.
    public func setConfig(
        node: String, vmid: Int, set changes: [String: String] = [:], delete: [String] = [], digest: String? = nil
    ) async throws(ProxmoxError) {
        try check(node, vmid)
        var parameters: [(String, String)] = []
        for key in changes.keys.sorted() {
            try ProxmoxParameterCheck.key(key)
            parameters.append((key, changes[key]!))
        }
        for key in delete { try ProxmoxParameterCheck.key(key) }
        if !delete.isEmpty { parameters.append(("delete", delete.joined(separator: ","))) }
        if let digest { parameters.append(("digest", digest)) }
        guard !parameters.isEmpty else { return }
        let described = (changes.keys.sorted().map { "\($0)=\(changes[$0]!)" } + delete.map { "-\($0)" }).joined(separator: " ")
        do {
            _ = try await transport.put("/nodes/\(node)/qemu/\(vmid)/config", parameters: parameters)
        } catch where error.code == .configChanged {
            throw ProxmoxError(
                code: .configChanged,
                description: "cannot change VM \(vmid) on \(node) (\(described)): its config changed since ferry read it. Read it again and retry",
                message: error.message)
        } catch {
            throw error.during("cannot change the config of VM \(vmid) on \(node) (\(described))")
        }
    }

    // MARK: Status

    public func status(node: String, vmid: Int) async throws(ProxmoxError) -> VMStatus {
        try check(node, vmid)
        do {
            return try VMStatus(json: try await transport.get("/nodes/\(node)/qemu/\(vmid)/status/current"), vmid: vmid)
        } catch {
            throw error.during("cannot read the status of VM \(vmid) on \(node)")
        }
    }

    func check(_ node: String, _ vmid: Int) throws(ProxmoxError) {
        try ProxmoxNames.checkNode(node)
        try ProxmoxNames.checkVMID(vmid)
    }
}
