/// A piece of hardware in the homelab: a USB device plugged into a host's port, or a
/// PCI device in a host's slot. Devices sit on one host and can be moved
/// (`Homelab.moveDevice`), unplugged (`LabFaults.missingDevices`) and, for a Coral
/// USB, re-enumerate under another id once a process opens them.
public struct Device: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case usb, pci
    }

    /// How a device introduces itself on its bus: ids and names.
    public struct Identity: Sendable, Equatable {
        /// 4 hex digits, lowercase, no `0x` (USB `idVendor`; PCI vendor).
        public var vendorID: String
        /// 4 hex digits, lowercase (USB `idProduct`; PCI device).
        public var productID: String
        /// The name `lsusb` / `lspci` prints after the ids.
        public var vendorName: String
        /// The product string (USB `product`; PCI device name).
        public var productName: String

        public init(vendorID: String, productID: String, vendorName: String, productName: String = "") {
            self.vendorID = vendorID.lowercased()
            self.productID = productID.lowercased()
            self.vendorName = vendorName
            self.productName = productName
        }

        /// `1a6e:089a`
        public var id: String { "\(vendorID):\(productID)" }
    }

    /// The lab's name for the device (`coral`, `gpu`), used by `ferry lab move-device`.
    public var name: String
    public var kind: Kind
    /// The Proxmox host it is plugged into.
    public var host: String
    /// What it shows now.
    public var identity: Identity
    /// What it shows after a process opened it (a Coral after its firmware loads);
    /// nil for devices that keep their id.
    public var identityWhenOpened: Identity?
    /// True once a process opened it and it re-enumerated; cleared when it is unplugged or moved.
    public private(set) var opened = false
    /// USB: `BUS-PORT[.PORT...]`, as in `host=2-1`. Nil for PCI.
    public var usbPort: String?
    /// USB: the device number on its bus; it grows each time the device re-enumerates.
    public var devnum: Int
    /// USB: `480` (high speed) or `5000` (SuperSpeed), as sysfs reports it.
    public var speed: String
    /// USB `bDeviceClass` / PCI class (`0x030000` for a VGA controller).
    public var deviceClass: Int
    /// PCI: `0000:01:00.0`. Nil for USB.
    public var pciAddress: String?
    /// PCI IOMMU group.
    public var iommuGroup: Int

    private let originalIdentity: Identity

    public init(
        name: String, kind: Kind, host: String, identity: Identity, identityWhenOpened: Identity? = nil,
        usbPort: String? = nil, devnum: Int = 2, speed: String = "480", deviceClass: Int = 0, pciAddress: String? = nil,
        iommuGroup: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.host = host
        self.identity = identity
        self.identityWhenOpened = identityWhenOpened
        self.usbPort = usbPort
        self.devnum = devnum
        self.speed = speed
        self.deviceClass = deviceClass
        self.pciAddress = pciAddress
        self.iommuGroup = iommuGroup
        self.originalIdentity = identity
    }

    /// The USB bus number from the port (`2` for `2-1`).
    public var busnum: Int {
        guard let usbPort, let bus = usbPort.split(separator: "-").first, let number = Int(bus) else { return 1 }
        return number
    }

    /// The port path after the bus (`1` for `2-1`, `1.2` for `2-1.2`), Proxmox's `usbpath`.
    public var usbPath: String {
        guard let usbPort, let dash = usbPort.firstIndex(of: "-") else { return "" }
        return String(usbPort[usbPort.index(after: dash)...])
    }

    /// A display-class PCI device whose Linux driver gives `/dev/dri` (AMD or Intel).
    public var providesDRI: Bool {
        kind == .pci && deviceClass >> 16 == 0x03 && ["1002", "8086"].contains(identity.vendorID)
    }

    /// `lsusb`'s line for it on a bus, e.g. `Bus 002 Device 003: ID 18d1:9302 Google Inc.`
    func lsusbLine(bus: Int, device: Int) -> String {
        let bus3 = String(repeating: "0", count: max(0, 3 - String(bus).count)) + String(bus)
        let dev3 = String(repeating: "0", count: max(0, 3 - String(device).count)) + String(device)
        let text = [identity.vendorName, identity.productName].filter { !$0.isEmpty }.joined(separator: " ")
        return "Bus \(bus3) Device \(dev3): ID \(identity.id) \(text)"
    }

    /// `lspci`'s line for it at `address` (`01:00.0`, or `0000:01:00.0` with `-D`);
    /// with `numeric` (`-nn`), the class and ids in brackets as a person copies them:
    /// `01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070] [10de:2484] (rev a1)`.
    func lspciLine(address: String, numeric: Bool) -> String {
        let classCode = deviceClass >> 8
        let className = switch classCode {
        case 0x0300: "VGA compatible controller"
        case 0x0302: "3D controller"
        case 0x0403: "Audio device"
        case 0x0106: "SATA controller"
        case 0x0b40: "Co-processor"
        default: "Non-VGA unclassified device"
        }
        let name = [identity.vendorName, identity.productName].filter { !$0.isEmpty }.joined(separator: " ")
        guard numeric else { return "\(address) \(className): \(name) (rev a1)" }
        return "\(address) \(className) [\(String(format: "%04x", classCode))]: \(name) [\(identity.id)] (rev a1)"
    }

    /// A process opened the device: a Coral loads its firmware and comes back under its
    /// other id, with a new device number. Returns whether the id changed.
    mutating func open() -> Bool {
        guard let next = identityWhenOpened, !opened else { return false }
        opened = true
        identity = next
        devnum += 1
        speed = "5000"
        return true
    }

    /// Unplugged or moved: back to how it enumerates from cold.
    mutating func powerCycle() {
        if opened { devnum += 1 }
        opened = false
        identity = originalIdentity
        if identityWhenOpened != nil { speed = "480" }
    }

    public var description: String {
        switch kind {
        case .usb: "\(name) (USB \(identity.id) \(identity.vendorName) on \(host) port \(usbPort ?? "?"))"
        case .pci: "\(name) (PCI \(pciAddress ?? "?") \(identity.vendorName) \(identity.productName) on \(host))"
        }
    }
}
