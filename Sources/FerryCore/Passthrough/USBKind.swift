import FerryProxmox

/// USB: found by any of its ids (a Coral answers to either), by its port, or by a
/// resource mapping's entry for the host; one `usbN` line per id; `lsusb` in the
/// VM; hot-plugged into a VM whose options allow it (`USBHotplug`).
struct USBKind: PassthroughKind {
    let usb: MigrationPlan.USB

    var kindName: String { "USB" }
    var keyPrefix: String { "usb" }
    var slotCount: Int { 14 }
    var listCommand: String { "lsusb" }
    func listingPath(_ host: String) -> String { "/nodes/\(host)/hardware/usb" }
    var dependsOnHost: Bool { usb.mapping != nil }
    var hostRequirement: String? { nil }
    var movesLive: Bool { true }
    var mapping: (kind: ResourceMapping.Kind, name: String)? { usb.mapping.map { (.usb, $0) } }

    var identity: String {
        if let port = usb.port { return "USB port \(port)" }
        if let mapping = usb.mapping { return "mapping \(mapping)" }
        return usb.ids.joined(separator: " / ")
    }

    func find(on host: String, _ proxmox: ProxmoxClient) async throws(ProxmoxError) -> FoundDevice? {
        var (ids, port) = (usb.ids, usb.port)
        if let mapping = usb.mapping {
            guard let entry = try await proxmox.mapping(.usb, mapping).entry(for: host) else { return nil }
            (ids, port) = (entry.id.map { [$0] } ?? [], entry.path)
        }
        let devices = try await proxmox.usbDevices(node: host)
        let device = port.map { port in devices.first { $0.port == port && !$0.isHub } }
            ?? devices.first { ids.contains($0.id) }
        return device.map { FoundDevice(description: $0.description, ids: [$0.id]) }
    }

    func values(for found: FoundDevice?) -> [String] { usb.configValues }

    func entries(in config: VMConfig, found: FoundDevice?) -> [(key: String, value: String)] {
        config.usb.filter { entry in
            if let mapping = usb.mapping { return entry.selector == .mapping(mapping) }
            if let port = usb.port { return entry.selector == .port(port) }
            return usb.ids.contains { id in
                let parts = id.split(separator: ":").map(String.init)
                return parts.count == 2 && entry.matches(vendor: parts[0], product: parts[1])
            }
        }.map { ($0.key, $0.value) }
    }

    func visible(inProbe output: String, found: FoundDevice?) -> Bool {
        (usb.ids + (found?.ids ?? [])).contains { id in output.lowercased().contains("id \(id)") }
    }

    func rebase(_ value: String, onto found: FoundDevice?) -> String { value }

    func hotplug(_ config: VMConfig, vmid: Int) -> USBHotplug { config.usbHotplug(vmid: vmid) }
}
