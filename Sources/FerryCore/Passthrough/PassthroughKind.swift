import Foundation
import FerryProxmox

/// What differs between kinds of passthrough (USB, PCI): how a host lists its
/// devices, the VM config's key family, the lines that pass a device, the probe
/// inside the VM, and whether a running VM takes a new line. The device steps,
/// `ferry check` and the scripts are written over it; a new kind (Thunderbolt,
/// SR-IOV) is a new conformance, not a copy of the steps.
protocol PassthroughKind: Sendable {
    /// `USB`, `PCI`: in messages.
    var kindName: String { get }
    /// The VM config's keys: `usb` (`usb0` to `usb13`), `hostpci` (`hostpci0` to `hostpci15`).
    var keyPrefix: String { get }
    var slotCount: Int { get }
    /// What identifies it to a person: `1a6e:089a / 18d1:9302`, `USB port 2-1`.
    var identity: String { get }
    /// The command on a host (or in a VM) that lists such devices: `lsusb`, `lspci -nn`.
    var listCommand: String { get }
    /// The API path that lists a host's devices of this kind.
    func listingPath(_ host: String) -> String
    /// Whether the lines and the probe depend on where the host has the device (a
    /// PCI address, a mapping's entry): then `find` on the VM's host comes first.
    var dependsOnHost: Bool { get }
    /// Whether it is moved with the hosts running (USB); a PCI card needs both off.
    var movesLive: Bool { get }
    /// The resource mapping the plan passes it by, if any.
    var mapping: (kind: ResourceMapping.Kind, name: String)? { get }
    /// What `find` requires of the host besides having the device, for the dry run.
    var hostRequirement: String? { get }

    /// The device among `host`'s devices, nil when it is not there. `mapping`: the
    /// plan names a Proxmox resource mapping, resolved for `host`.
    func find(on host: String, _ proxmox: ProxmoxClient) async throws(ProxmoxError) -> FoundDevice?
    /// The config values that pass the device, found on the VM's host as `found`.
    func values(for found: FoundDevice?) -> [String]
    /// The config entries that pass this device (`found`: it on the VM's host).
    func entries(in config: VMConfig, found: FoundDevice?) -> [(key: String, value: String)]
    /// Whether the output of `listCommand` in a VM shows the device (`found`: it
    /// on the VM's host, whose ids a mapping's device shows).
    func visible(inProbe output: String, found: FoundDevice?) -> Bool
    /// A line that passed the device, put back for it where the VM's host has it now
    /// (`found`): a card that went away and came back may sit at another address.
    func rebase(_ value: String, onto found: FoundDevice?) -> String
    /// Whether the running VM takes a new line of this kind without a reboot.
    func hotplug(_ config: VMConfig, vmid: Int) -> USBHotplug
}

/// A plan's device as one host shows it.
struct FoundDevice: Sendable, Equatable, CustomStringConvertible {
    /// The host's line for it: `Bus 2 Device 3: ID 1a6e:089a ... (port 2-1)`.
    var description: String
    /// The ids it shows (`VENDOR:PRODUCT`), as a VM's `lsusb` / `lspci -nn` print them.
    var ids: [String] = []
    /// PCI: the address of its main function, `0000:01:00.0`.
    var address: String?
    /// Why it cannot be passed through from this host (a shared IOMMU group), with the fix.
    var problem: (reason: String, fix: String)?

    static func == (lhs: FoundDevice, rhs: FoundDevice) -> Bool {
        lhs.description == rhs.description && lhs.address == rhs.address && lhs.problem?.reason == rhs.problem?.reason
    }
}

extension PassthroughKind {
    /// The device on `host` when what ferry writes or looks for depends on it; nil otherwise.
    func lookup(on host: String, _ proxmox: ProxmoxClient) async throws(ProxmoxError) -> FoundDevice? {
        dependsOnHost ? try await find(on: host, proxmox) : nil
    }

    /// The first free key of the family in `config`, nil when all are taken.
    func freeKey(in config: VMConfig) -> String? {
        (0..<slotCount).map { "\(keyPrefix)\($0)" }.first { config[$0] == nil }
    }

    /// The values of `values(for:)` that `config` lacks.
    func missingValues(in config: VMConfig, found: FoundDevice?) -> [String] {
        let present = Set(config.values.filter { $0.key.hasPrefix(keyPrefix) }.values.map(Self.normalised))
        return values(for: found).filter { !present.contains(Self.normalised($0)) }
    }

    /// `host=1a6e:089a,usb3=1` and `usb3=1,host=1a6e:089a` are the same line.
    static func normalised(_ value: String) -> String {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.sorted().joined(separator: ",")
    }
}

extension MigrationPlan.Device {
    /// The kind's rules for this device.
    var kind: any PassthroughKind {
        switch selector {
        case .usb(let usb): USBKind(usb: usb)
        case .pci(let pci): PCIKind(pci: pci)
        }
    }

    var usb: MigrationPlan.USB? {
        if case .usb(let usb) = selector { return usb }
        return nil
    }

    /// What a person reads: `coral (1a6e:089a / 18d1:9302)`, `gpu (PCI 10de:2484)`.
    var label: String { "\(name) (\(kind.identity))" }
}
