import FerryJSON

/// A device plugin for the Coral, reduced to what the scheduler and ferry see: the
/// node's `capacity` and `allocatable` carry `coral.ai/tpu`, one per Coral its VM
/// sees, while the VM is up (the kubelet reports it; with the device gone the count
/// drops to 0 and stays listed, as the kubelet keeps a resource it once had).
enum DevicePlugin {
    static let resource = "coral.ai/tpu"

    static func advertise(node: String, devices: [Device], store: ObjectStore) async {
        let count = devices.filter(isCoral).count
        let key = ObjectKey(ResourceCatalog.nodes, name: node)
        guard let current = await store.find(key) else { return }
        let wanted = JSON.string(String(count))
        guard current["status"]["allocatable"][resource] != wanted || current["status"]["capacity"][resource] != wanted else { return }
        await store.modify(key, subresource: "status") { object in
            object[path: ["status", "capacity", resource]] = wanted
            object[path: ["status", "allocatable", resource]] = wanted
        }
    }

    /// By either of its ids: cold (`1a6e:089a`) or with its firmware loaded (`18d1:9302`).
    static func isCoral(_ device: Device) -> Bool {
        device.kind == .usb && [device.identity, device.identityWhenOpened].contains { identity in
            guard let identity else { return false }
            return (identity.vendorID, identity.productID) == ("1a6e", "089a") || (identity.vendorID, identity.productID) == ("18d1", "9302")
        }
    }
}
