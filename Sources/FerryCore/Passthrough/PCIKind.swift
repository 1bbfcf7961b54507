import FerryProxmox

/// PCI: a card found by what it is (vendor:device, and the board's subsystem when
/// the plan gives it) or by a resource mapping's entry for the host, never by the
/// address it had on the source; passed at the address it has on the VM's host
/// (the slot, `0000:01:00`, for every function); `lspci -nn` in the VM. It must be
/// alone in its IOMMU group, with only its own functions; Proxmox binds it to
/// vfio-pci when the VM starts. A running VM never takes a new card.
struct PCIKind: PassthroughKind {
    let pci: MigrationPlan.PCI

    var kindName: String { "PCI" }
    var keyPrefix: String { "hostpci" }
    var slotCount: Int { 16 }
    var listCommand: String { "lspci -nn" }
    func listingPath(_ host: String) -> String { "/nodes/\(host)/hardware/pci" }
    var dependsOnHost: Bool { true }
    var hostRequirement: String? { "alone in its IOMMU group (its own functions aside)" }
    var movesLive: Bool { false }
    var mapping: (kind: ResourceMapping.Kind, name: String)? { pci.mapping.map { (.pci, $0) } }

    var identity: String {
        if let mapping = pci.mapping { return "PCI mapping \(mapping)" }
        return "PCI " + pci.ids.joined(separator: " / ") + (pci.subsystem.map { ", board \($0)" } ?? "")
    }

    func find(on host: String, _ proxmox: ProxmoxClient) async throws(ProxmoxError) -> FoundDevice? {
        let devices = try await proxmox.pciDevices(node: host)
        let card: HostPCIDevice?
        if let mapping = pci.mapping {
            guard let entry = try await proxmox.mapping(.pci, mapping).entry(for: host), let path = entry.path else { return nil }
            card = devices.first { $0.address == path || $0.slot == path }
        } else {
            card = devices.first { pci.ids.contains($0.id) && (pci.subsystem == nil || $0.subsystemID == pci.subsystem) }
        }
        guard let card else { return nil }
        return FoundDevice(description: card.description, ids: [card.id], address: card.address, problem: Self.isolation(card, among: devices, on: host))
    }

    /// Why the card cannot be passed alone: no IOMMU, or other devices in its group
    /// (a VM must take a whole group, and these belong to the host).
    static func isolation(_ card: HostPCIDevice, among devices: [HostPCIDevice], on host: String) -> (reason: String, fix: String)? {
        guard card.iommuGroup >= 0 else {
            return ("\(host) reports no IOMMU group for \(card.address): its IOMMU is off",
                    "turn on VT-d/AMD-Vi in \(host)'s firmware and add intel_iommu=on (Intel) to its kernel command line, then reboot it")
        }
        let others = devices.filter { $0.iommuGroup == card.iommuGroup && $0.slot != card.slot }
        guard !others.isEmpty else { return nil }
        return ("\(card.address) shares IOMMU group \(card.iommuGroup) on \(host) with "
                    + others.map(\.description).joined(separator: ", ") + ": a VM can only take a whole group",
                "put the card in a slot with its own group (`find /sys/kernel/iommu_groups/ -type l` on \(host) lists them), "
                    + "or update the firmware; the ACS override patch splits groups at the cost of isolation")
    }

    func values(for found: FoundDevice?) -> [String] {
        guard pci.mapping != nil || found?.address != nil else { return [] }
        return [pci.configValue(address: found?.address)]
    }

    func entries(in config: VMConfig, found: FoundDevice?) -> [(key: String, value: String)] {
        config.pci.filter { entry in
            if let mapping = pci.mapping { return entry.mapping == mapping }
            guard let entryAddress = entry.address, let address = found?.address else { return false }
            return entryAddress == address || address.hasPrefix(entryAddress + ".")
        }.map { ($0.key, $0.value) }
    }

    func visible(inProbe output: String, found: FoundDevice?) -> Bool {
        let text = output.lowercased()
        return (pci.ids + (found?.ids ?? [])).contains { text.contains("[\($0)]") }
    }

    func rebase(_ value: String, onto found: FoundDevice?) -> String {
        guard let address = found?.address else { return value }
        var parts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.contains("="), first.contains(":") else { return value }
        parts[0] = first.contains(".") ? address : (address.split(separator: ".").first.map(String.init) ?? address)
        return parts.joined(separator: ",")
    }

    func hotplug(_ config: VMConfig, vmid: Int) -> USBHotplug {
        .no(reason: "Proxmox gives a VM a PCI card only when it starts", fix: nil)
    }
}
