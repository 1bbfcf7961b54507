import FerryJSON
import FerryProxmox

/// Which of the source VM's passthrough entries move with the workload.
///
/// USB devices move when the pods mount a USB device path (`/dev/bus/usb`, a serial
/// adapter) or request a resource a device plugin advertises on the source node (not
/// a GPU's): in a K3s VM those are the devices Proxmox passes through. Entries that
/// are one known device under several ids (a Coral) become one plan device with all
/// of its ids. A GPU the pods request is planned when the target host has one of
/// the same maker (its own, `move: false`); otherwise the card stays, what the
/// target lacks is handled by the manifest changes, and the notes say how to carry
/// the card instead.
enum DeviceDiscovery {
    struct Finding: Sendable {
        var devices: [MigrationPlan.Device] = []
        /// Comment lines per device, in `devices` order.
        var itemNotes: [[String]] = []
        var sectionNotes: [String] = []
        /// Known hardware among the devices (for drivers and checks).
        var hardware: [KnownHardware] = []

        mutating func add(_ known: KnownHardware) {
            if !hardware.contains(where: { $0.name == known.name }) { hardware.append(known) }
        }
    }

    static let usbPaths = ["/dev/bus/usb", "/dev/ttyUSB", "/dev/ttyACM", "/dev/serial"]
    static let gpuPaths = ["/dev/dri", "/dev/nvidia"]

    /// `cards`: the PCI devices of the source and target hosts, when they could be listed.
    static func devices(
        template: JSON, config: VMConfig, vm: MigrationPlan.Endpoint, sourceAllocatable: [String: String] = [:],
        target: MigrationPlan.Endpoint? = nil, cards: (source: [HostPCIDevice], target: [HostPCIDevice])? = nil
    ) -> Finding {
        var finding = Finding()
        let hostPaths = (template["spec"]["volumes"].arrayValue ?? []).compactMap { volume -> (String, String)? in
            guard let path = volume["hostPath"]["path"].stringValue else { return nil }
            return (volume["name"].stringValue ?? "", path)
        }
        let usbMounts = hostPaths.filter { _, path in usbPaths.contains { path == $0 || path.hasPrefix($0) } }
        let usbEntries = config.usb.filter { $0.selector != .spice }
        let where_ = "VM \(vm.vmid) on \(vm.host)"

        let plugged = pluginResources(template: template, allocatable: sourceAllocatable)
        if usbEntries.isEmpty {
            finding.sectionNotes.append("\(where_) passes no USB device through.")
        } else if usbMounts.isEmpty && plugged.isEmpty {
            let lines = usbEntries.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            finding.sectionNotes.append("\(where_) passes \(lines), but the pods mount no USB device path and request no device plugin's resource: it stays.")
        } else {
            var uses: [String] = []
            if !usbMounts.isEmpty { uses.append("the pods mount " + usbMounts.map { "\($0.1) (hostPath volume \($0.0))" }.joined(separator: ", ")) }
            if !plugged.isEmpty { uses.append("the pods request \(plugged.joined(separator: ", ")), which a device plugin advertises on the source node") }
            addUSB(usbEntries, use: uses.joined(separator: "; "), in: where_, to: &finding)
            attach(plugged, to: &finding)
        }

        let gpuUse = gpuUses(template: template, hostPaths: hostPaths.map(\.1))
        for entry in config.pci {
            if let cards, let own = ownGPU(for: entry, template: template, cards: cards) {
                let title = [own.source.vendorName, "card"].compactMap { $0 }.joined(separator: " ")
                let device = MigrationPlan.Device(
                    name: unique("gpu", in: finding.devices),
                    selector: .pci(.init(ids: [own.target.id], allFunctions: !(entry.address ?? "").contains("."), pcie: entry.pcie, primaryGPU: entry.primaryGPU)),
                    resource: own.resource, runtimeClass: template["spec"]["runtimeClassName"].stringValue, move: false)
                var notes = ["\(target?.host ?? "the target host") has a \(title) of its own, \(own.target): ferry passes it to the target VM; "
                                 + "\(where_)'s (\(entry.key): \(entry.value), \(own.source)) stays there (move: false)."]
                notes.append("resource: the pods keep requesting \(own.resource)\(device.runtimeClass.map { " with RuntimeClass \($0)" } ?? ""); the run waits until the target node has it.")
                append(device, notes: notes, to: &finding)
                if own.source.vendorID == "10de" { finding.add(.nvidiaGPU) }
                continue
            }
            if let cards, let carried = carriedGPU(for: entry, template: template, cards: cards) {
                let runtimeClass = template["spec"]["runtimeClassName"].stringValue
                let device = MigrationPlan.Device(
                    name: unique("gpu", in: finding.devices),
                    selector: .pci(.init(ids: [carried.card.id], allFunctions: !(entry.address ?? "").contains("."), pcie: entry.pcie, primaryGPU: entry.primaryGPU)),
                    resource: carried.resource, runtimeClass: runtimeClass)
                append(device, notes: [
                    "\(carried.card), passed to \(where_) as \(entry.key): \(entry.value); the pods request \(carried.resource) and nothing on "
                        + "\(target?.host ?? "the target host") takes its place: the card is carried, and both hosts power off for it (see ferry check).",
                    "resource: the pods keep requesting \(carried.resource)\(runtimeClass.map { " with RuntimeClass \($0)" } ?? ""); the run waits until the target node has it.",
                ], to: &finding)
                if carried.card.vendorID == "10de" { finding.add(.nvidiaGPU) }
                continue
            }
            var line = "\(entry.key): \(entry.value) stays in \(where_)"
            if !gpuUse.isEmpty {
                line += "; the pods use a GPU through \(gpuUse.joined(separator: ", ")) (see manifestChanges)"
                let resource = gpuUse.first(where: ExtendedResource.isGPU)
                let sourceCard = cards.flatMap { Self.card(of: entry, among: $0.source) }
                if let card = sourceCard, let resource {
                    line += ". To carry the card to the target host instead (both hosts power off for it, docs/PLAN.md \"PCI devices\"), add the device "
                        + "{name: gpu, type: pci, ids: [\(card.id)], resource: \(resource)\(template["spec"]["runtimeClassName"].stringValue.map { ", runtimeClass: \($0)" } ?? "")} "
                        + "and drop the manifest changes that remove them"
                }
            }
            finding.sectionNotes.append(line + ".")
        }
        return finding
    }

    /// The GPU resource each maker's device plugin advertises.
    static let gpuResources = ["10de": "nvidia.com/gpu", "1002": "amd.com/gpu", "8086": "gpu.intel.com/i915"]

    /// The target host's own card for a source VM's GPU the pods request: a display
    /// card of the same maker. (Carrying the source's card powers both hosts off: a
    /// choice for the plan's reader, not a default.)
    private static func ownGPU(
        for entry: VMConfig.PCIEntry, template: JSON, cards: (source: [HostPCIDevice], target: [HostPCIDevice])
    ) -> (source: HostPCIDevice, target: HostPCIDevice, resource: String)? {
        guard let (card, resource) = requestedGPU(entry, template: template, sourceCards: cards.source),
            let own = cards.target.first(where: { $0.isDisplay && $0.vendorID == card.vendorID })
        else { return nil }
        return (card, own, resource)
    }

    /// The source VM's card on this line when it is a GPU whose maker's resource the pods request.
    private static func requestedGPU(
        _ entry: VMConfig.PCIEntry, template: JSON, sourceCards: [HostPCIDevice]
    ) -> (card: HostPCIDevice, resource: String)? {
        guard let card = card(of: entry, among: sourceCards), card.isDisplay,
            let resource = gpuResources[card.vendorID], requested(template).contains(resource)
        else { return nil }
        return (card, resource)
    }

    /// The host's card a `hostpciN` line passes (at its address, or its slot for every function).
    private static func card(of entry: VMConfig.PCIEntry, among cards: [HostPCIDevice]) -> HostPCIDevice? {
        guard let address = entry.address else { return nil }
        return cards.first { $0.address == address || $0.slot == address }
    }

    /// Applications whose manifests ferry can point at another GPU, or none: Frigate
    /// switches its hwaccel preset (see manifestChanges). Their card stays; any other
    /// workload that requests a GPU needs that GPU, so its card is carried.
    static let adaptable = ["frigate"]

    /// The source VM's GPU when the pods request it, the target host has none of its
    /// maker, and the pods cannot do without it.
    private static func carriedGPU(
        for entry: VMConfig.PCIEntry, template: JSON, cards: (source: [HostPCIDevice], target: [HostPCIDevice])
    ) -> (card: HostPCIDevice, resource: String)? {
        let images = (template["spec"]["containers"].arrayValue ?? []).compactMap { $0["image"].stringValue }
        guard !images.contains(where: { image in adaptable.contains { image.contains($0) } }) else { return nil }
        return requestedGPU(entry, template: template, sourceCards: cards.source)
    }

    private static func requested(_ template: JSON) -> Set<String> {
        var keys = Set<String>()
        for container in template["spec"]["containers"].arrayValue ?? [] {
            for section in ["limits", "requests"] { keys.formUnion((container["resources"][section].objectValue ?? [:]).keys) }
        }
        return keys
    }

    /// One plan device per known device (all of its ids), per other id, per port and per mapping.
    private static func addUSB(_ entries: [VMConfig.USBEntry], use: String, in where_: String, to finding: inout Finding) {
        var known: [(KnownHardware, [VMConfig.USBEntry])] = []
        for entry in entries {
            if case .id(let vendor, let product) = entry.selector, let hardware = KnownHardware.usb("\(vendor):\(product)") {
                if let index = known.firstIndex(where: { $0.0.name == hardware.name }) {
                    known[index].1.append(entry)
                } else {
                    known.append((hardware, [entry]))
                }
                continue
            }
            let name: String
            let usb: MigrationPlan.USB
            switch entry.selector {
            case .id(let vendor, let product):
                (name, usb) = ("usb-\(vendor)-\(product)", MigrationPlan.USB(ids: ["\(vendor):\(product)"], usb3: entry.usb3))
            case .port(let port):
                (name, usb) = ("usb-port-\(port.replacingOccurrences(of: ".", with: "-"))", MigrationPlan.USB(port: port, usb3: entry.usb3))
            case .mapping(let mapping):
                (name, usb) = (dnsLabel(mapping, fallback: "usb-mapping"), MigrationPlan.USB(mapping: mapping, usb3: entry.usb3))
            case .spice, .unknown:
                finding.sectionNotes.append("\(entry.key): \(entry.value) of \(where_) is not a device ferry can move; move it by hand if the workload needs it.")
                continue
            }
            append(
                MigrationPlan.Device(name: unique(name, in: finding.devices), selector: .usb(usb)),
                notes: ["passed to \(where_) as \(entry.key): \(entry.value); \(use)."], to: &finding)
        }
        for (hardware, configured) in known {
            let lines = configured.map { "\($0.key): \($0.value)" }.joined(separator: " and ")
            var notes = hardware.explanation
            notes.append("\(hardware.title), passed to \(where_) as \(lines); \(use).")
            let missing = hardware.usbIDs.filter { id in !configured.contains { $0.selector.description == id } }
            if !missing.isEmpty { notes.append("\(where_) does not pass \(missing.joined(separator: ", ")) yet: the target VM gets every id.") }
            let usb = MigrationPlan.USB(ids: hardware.usbIDs, usb3: configured.contains(where: \.usb3))
            finding.hardware.append(hardware)
            append(MigrationPlan.Device(name: unique(hardware.name, in: finding.devices), selector: .usb(usb)), notes: notes, to: &finding)
        }
    }

    /// The extended resources the pods request that the source node advertises and
    /// that are no GPU's: a device plugin's for a device passed through to the VM.
    static func pluginResources(template: JSON, allocatable: [String: String]) -> [String] {
        var found: [String] = []
        for container in template["spec"]["containers"].arrayValue ?? [] {
            for section in ["limits", "requests"] {
                for key in (container["resources"][section].objectValue ?? [:]).keys.sorted()
                where ExtendedResource.isExtended(key) && !ExtendedResource.isGPU(key) && !found.contains(key) {
                    if let amount = allocatable[key], amount != "0" { found.append(key) }
                }
            }
        }
        return found
    }

    /// Gives each device plugin resource to its device: the only device, or the one
    /// whose name the resource holds (`coral` in `coral.ai/tpu`).
    private static func attach(_ resources: [String], to finding: inout Finding) {
        for resource in resources {
            let index = finding.devices.count == 1 && finding.devices[0].resource == nil
                ? 0 : finding.devices.firstIndex { $0.resource == nil && resource.lowercased().contains($0.name.lowercased()) }
            guard let index else {
                finding.sectionNotes.append(
                    "WARNING: the pods request \(resource), and ferry cannot tell which device it is for: add `resource: \(resource)` to that device, or the target's lack of it will stop the pod.")
                continue
            }
            finding.devices[index].resource = resource
            finding.itemNotes[index].append(
                "resource: a device plugin advertises \(resource) where the device is; the run waits until the target node does, and the pods keep requesting it.")
        }
    }

    private static func append(_ device: MigrationPlan.Device, notes: [String], to finding: inout Finding) {
        finding.devices.append(device)
        finding.itemNotes.append(notes)
    }

    /// How the pod template reaches a GPU: device paths and device-plugin resources.
    static func gpuUses(template: JSON, hostPaths: [String]) -> [String] {
        var uses = hostPaths.filter { path in gpuPaths.contains { path.hasPrefix($0) } }
        for container in template["spec"]["containers"].arrayValue ?? [] {
            for key in (container["resources"]["limits"].objectValue ?? [:]).keys.sorted() where ExtendedResource.isGPU(key) {
                if !uses.contains(key) { uses.append(key) }
            }
        }
        if let runtimeClass = template["spec"]["runtimeClassName"].stringValue { uses.append("runtimeClassName \(runtimeClass)") }
        return uses
    }

    private static func unique(_ name: String, in devices: [MigrationPlan.Device]) -> String {
        var candidate = name
        var counter = 2
        while devices.contains(where: { $0.name == candidate }) {
            candidate = "\(name)-\(counter)"
            counter += 1
        }
        return candidate
    }

    /// A DNS-1123 label made from `text` (lowercase, `-` for anything else).
    static func dnsLabel(_ text: String, fallback: String) -> String {
        let mapped = String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(63))
        let trimmed = mapped.trimmingCharacters(in: .init(charactersIn: "-"))
        return trimmed.isEmpty ? fallback : trimmed
    }
}

/// Extended resources (`vendor.com/name`) as device plugins advertise them.
enum ExtendedResource {
    /// Kubernetes' own resources are not extended ones (`cpu`, `hugepages-2Mi`, `kubernetes.io/...`).
    static func isExtended(_ name: String) -> Bool {
        guard let slash = name.firstIndex(of: "/") else { return false }
        let domain = name[..<slash]
        return !(domain == "kubernetes.io" || domain.hasSuffix(".kubernetes.io") || domain == "requests")
    }

    static func isGPU(_ name: String) -> Bool {
        isExtended(name) && (name.hasSuffix("/gpu") || name.hasPrefix("gpu.") || name.contains("/gpu-"))
    }
}
