import FerryJSON

/// A USB device plugged into a Proxmox host, as `GET /nodes/{node}/hardware/usb`
/// lists it (the same list as the web UI's "Use USB Vendor/Device ID" picker).
public struct HostUSBDevice: Sendable, Equatable, CustomStringConvertible {
    public var busnum: Int
    public var devnum: Int
    /// The port path (`2-1`, `1-3.2`), what `host=BUS-PORT` passes; nil for root hubs.
    public var port: String?
    /// Four lowercase hex digits each.
    public var vendorID: String
    public var productID: String
    public var manufacturer: String?
    public var product: String?
    /// `480`, `5000`... (Mbit/s), as Proxmox reports it.
    public var speed: String?
    public var deviceClass: Int?

    public init(
        busnum: Int, devnum: Int, port: String?, vendorID: String, productID: String, manufacturer: String? = nil,
        product: String? = nil, speed: String? = nil, deviceClass: Int? = nil
    ) {
        self.busnum = busnum
        self.devnum = devnum
        self.port = port
        self.vendorID = vendorID
        self.productID = productID
        self.manufacturer = manufacturer
        self.product = product
        self.speed = speed
        self.deviceClass = deviceClass
    }

    /// One entry of the list.
    public init(json: JSON) throws(ProxmoxError) {
        guard let vendor = json["vendid"].proxmoxString, let product = json["prodid"].proxmoxString,
            let busnum = json["busnum"].proxmoxInt, let devnum = json["devnum"].proxmoxInt
        else {
            throw .decoding("a host USB device needs vendid, prodid, busnum and devnum: \(json.serialized.prefix(200))")
        }
        self.init(
            busnum: busnum, devnum: devnum, port: json["usbpath"].proxmoxString.flatMap { $0.isEmpty ? nil : "\(busnum)-\($0)" },
            vendorID: vendor.lowercased(), productID: product.lowercased(), manufacturer: json["manufacturer"].stringValue,
            product: json["product"].stringValue, speed: json["speed"].proxmoxString, deviceClass: json["class"].proxmoxInt)
    }

    /// `1a6e:089a`
    public var id: String { "\(vendorID):\(productID)" }

    /// Class 9: a hub (the root hubs Proxmox lists first are never passed through).
    public var isHub: Bool { deviceClass == 9 }

    public var description: String {
        let name = [manufacturer, product].compactMap { $0 }.joined(separator: " ")
        return "Bus \(busnum) Device \(devnum): ID \(id)" + (name.isEmpty ? "" : " \(name)") + (port.map { " (port \($0))" } ?? "")
    }
}
