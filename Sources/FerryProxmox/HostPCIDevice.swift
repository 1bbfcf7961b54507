import FerryJSON

/// A PCI function in a Proxmox host, as `GET /nodes/{node}/hardware/pci` lists it
/// (the web UI's "Raw Device" picker). A card is found on another host by its ids,
/// not its address: the address is the slot it sits in, and moves with it.
public struct HostPCIDevice: Sendable, Equatable, CustomStringConvertible {
    /// `0000:01:00.0`, lowercase.
    public var address: String
    /// Four lowercase hex digits each, no `0x`.
    public var vendorID: String
    public var deviceID: String
    /// The board maker's ids (`1458:404c`): two cards of one chip differ here.
    public var subsystemVendorID: String?
    public var subsystemDeviceID: String?
    /// `0x030000` (VGA controller), `0x040300` (HD audio).
    public var deviceClass: Int
    /// The IOMMU group; -1 when the host has no IOMMU (passthrough impossible).
    public var iommuGroup: Int
    public var vendorName: String?
    public var deviceName: String?

    public init(
        address: String, vendorID: String, deviceID: String, subsystemVendorID: String? = nil, subsystemDeviceID: String? = nil,
        deviceClass: Int = 0, iommuGroup: Int = -1, vendorName: String? = nil, deviceName: String? = nil
    ) {
        self.address = address.lowercased()
        self.vendorID = vendorID.lowercased()
        self.deviceID = deviceID.lowercased()
        self.subsystemVendorID = subsystemVendorID?.lowercased()
        self.subsystemDeviceID = subsystemDeviceID?.lowercased()
        self.deviceClass = deviceClass
        self.iommuGroup = iommuGroup
        self.vendorName = vendorName
        self.deviceName = deviceName
    }

    /// One entry of the list.
    public init(json: JSON) throws(ProxmoxError) {
        func hex(_ key: String) -> String? {
            json[key].proxmoxString.map { $0.lowercased().hasPrefix("0x") ? String($0.dropFirst(2)) : $0.lowercased() }
        }
        guard let address = json["id"].proxmoxString, let vendor = hex("vendor"), let device = hex("device") else {
            throw .decoding("a host PCI device needs id, vendor and device: \(json.serialized.prefix(200))")
        }
        self.init(
            address: address.split(separator: ":").count == 2 ? "0000:" + address : address, vendorID: vendor, deviceID: device,
            subsystemVendorID: hex("subsystem_vendor"), subsystemDeviceID: hex("subsystem_device"),
            deviceClass: hex("class").flatMap { Int($0, radix: 16) } ?? 0, iommuGroup: json["iommugroup"].proxmoxInt ?? -1,
            vendorName: json["vendor_name"].stringValue, deviceName: json["device_name"].stringValue)
    }

    /// `10de:2484`
    public var id: String { "\(vendorID):\(deviceID)" }

    /// `1458:404c`, when the host reports it.
    public var subsystemID: String? {
        guard let vendor = subsystemVendorID, let device = subsystemDeviceID else { return nil }
        return "\(vendor):\(device)"
    }

    /// `0000:01:00`: the card, every function of it.
    public var slot: String { address.split(separator: ".").first.map(String.init) ?? address }

    /// A display controller (class 03): what a GPU is.
    public var isDisplay: Bool { deviceClass >> 16 == 0x03 }

    public var description: String {
        let name = [vendorName, deviceName].compactMap { $0 }.joined(separator: " ")
        return "\(address) [\(id)]" + (name.isEmpty ? "" : " \(name)") + (iommuGroup >= 0 ? " (IOMMU group \(iommuGroup))" : "")
    }
}
