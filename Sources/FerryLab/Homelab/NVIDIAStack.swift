import FerryJSON

/// What an NVIDIA card gives a K3s node, reduced to what the scheduler, the kubelet
/// and ferry see: with the driver installed in the VM (`nvidia-driver-*`), the card
/// answers `nvidia-smi`; with the container toolkit (`nvidia-container-toolkit`)
/// installed when K3s last started (the VM's boot, `systemctl restart k3s-agent`),
/// K3s has the `nvidia` and `nvidia-experimental` runtimes (status.runtimeHandlers)
/// and NVIDIA's device plugin advertises one `nvidia.com/gpu` per card. Once
/// advertised, the resource stays listed at 0 when the card goes, as the kubelet
/// keeps a resource it once had; the handlers stay while the toolkit does.
enum NVIDIAStack {
    static let resource = "nvidia.com/gpu"
    static let handlers = ["nvidia", "nvidia-experimental"]

    static func advertise(node: String, devices: [Device], vm: VirtualMachine, store: ObjectStore) async {
        let driver = vm.packages.contains { $0.hasPrefix("nvidia-driver") }
        let toolkit = vm.k3sFoundNVIDIARuntime
        let cards = driver && toolkit ? devices.filter(isNVIDIA).count : 0
        let key = ObjectKey(ResourceCatalog.nodes, name: node)
        guard let current = await store.find(key) else { return }
        let listed = current["status"]["capacity"][resource] != .null
        let names = (current["status"]["runtimeHandlers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        let missingHandlers = toolkit ? handlers.filter { !names.contains($0) } : []
        let wanted = JSON.string(String(cards))
        let resourceChanges = (cards > 0 || listed) && (current["status"]["capacity"][resource] != wanted
            || current["status"]["allocatable"][resource] != wanted)
        guard resourceChanges || !missingHandlers.isEmpty else { return }
        await store.modify(key, subresource: "status") { object in
            if resourceChanges {
                object[path: ["status", "capacity", resource]] = wanted
                object[path: ["status", "allocatable", resource]] = wanted
            }
            if !missingHandlers.isEmpty {
                var all = object["status"]["runtimeHandlers"].arrayValue ?? []
                all += missingHandlers.map { ["name": .string($0), "features": ["recursiveReadOnlyMounts": true]] }
                object[path: ["status", "runtimeHandlers"]] = .array(all)
            }
        }
    }

    static func isNVIDIA(_ device: Device) -> Bool { device.kind == .pci && device.identity.vendorID == "10de" }
}
