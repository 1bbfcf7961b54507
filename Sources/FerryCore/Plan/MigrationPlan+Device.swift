extension MigrationPlan {
    /// A piece of hardware passed through from the Proxmox host to the VM, which moves
    /// with the workload.
    ///
    /// A USB device is chosen by its ids (several are allowed: a Coral USB enumerates as
    /// `1a6e:089a` and, once its firmware is loaded, as `18d1:9302`, and the VM must
    /// accept both), by the host port it is plugged into, or by a Proxmox resource
    /// mapping (needed when the API token is not root's). A PCI card by its ids or a
    /// mapping.
    public struct Device: Sendable, Hashable {
        /// A short name used in messages and step ids (`coral`).
        public var name: String
        public var selector: Selector
        /// The extended resource a device plugin advertises for it on the node whose
        /// VM has it (`coral.ai/tpu`); the pods request it, so the run waits until the
        /// target node advertises it rather than removing the request.
        public var resource: String?
        /// The RuntimeClass the pods use for it (`nvidia`): its handler comes to the
        /// target node with the device and its driver (K3s finds NVIDIA's runtime when
        /// it starts), so the run waits for it rather than removing `runtimeClassName`.
        public var runtimeClass: String?
        /// False when the target host has a device of its own that does the job: no
        /// physical move, and the source VM keeps its device.
        public var move: Bool

        public init(name: String, selector: Selector, resource: String? = nil, runtimeClass: String? = nil, move: Bool = true) {
            self.name = name
            self.selector = selector
            self.resource = resource
            self.runtimeClass = runtimeClass
            self.move = move
        }

        public enum Selector: Sendable, Hashable {
            case usb(USB)
            case pci(PCI)
        }

        public var isUSB: Bool {
            if case .usb = selector { return true }
            return false
        }
    }

    public struct USB: Sendable, Hashable {
        /// `VENDOR:PRODUCT` ids, four lowercase hex digits each; one `usbN` entry per id.
        public var ids: [String]
        /// A host port path (`2-1`, `1-1.4`): passes whatever is plugged in there.
        public var port: String?
        /// A Proxmox USB resource mapping name.
        public var mapping: String?
        /// `usb3=1`: the device is attached to the VM's xHCI (USB 3) controller.
        public var usb3: Bool

        public init(ids: [String] = [], port: String? = nil, mapping: String? = nil, usb3: Bool = false) {
            self.ids = ids
            self.port = port
            self.mapping = mapping
            self.usb3 = usb3
        }

        /// The values for the VM's `usbN:` lines, one per id (or one for the port or mapping).
        public var configValues: [String] {
            let option = usb3 ? ",usb3=1" : ""
            if let mapping { return ["mapping=\(mapping)\(option)"] }
            if let port { return ["host=\(port)\(option)"] }
            return ids.map { "host=\($0)\(option)" }
        }
    }

    public struct PCI: Sendable, Hashable {
        /// `VENDOR:DEVICE` ids of the card's main function (`10de:2484`), four
        /// lowercase hex digits each: the card is found by what it is, since on
        /// another host it sits at another address.
        public var ids: [String]
        /// `VENDOR:DEVICE` of the board (`1458:404c`), when two cards of one chip
        /// must be told apart.
        public var subsystem: String?
        /// A Proxmox PCI resource mapping name.
        public var mapping: String?
        /// Pass every function of the card (`0000:01:00`: a GPU's HDMI audio too),
        /// as the web UI's "All Functions" does.
        public var allFunctions: Bool
        /// `pcie=1`: attached as PCI Express (needs the q35 machine type).
        public var pcie: Bool
        /// `x-vga=1`: the device is the VM's primary GPU.
        public var primaryGPU: Bool

        public init(
            ids: [String] = [], subsystem: String? = nil, mapping: String? = nil, allFunctions: Bool = true, pcie: Bool = false,
            primaryGPU: Bool = false
        ) {
            self.ids = ids
            self.subsystem = subsystem
            self.mapping = mapping
            self.allFunctions = allFunctions
            self.pcie = pcie
            self.primaryGPU = primaryGPU
        }

        /// The value for a `hostpciN` line passing the card found at `address`
        /// (`0000:01:00.0`), or by its mapping.
        public func configValue(address: String?) -> String {
            var value: String
            if let mapping {
                value = "mapping=\(mapping)"
            } else {
                let address = address ?? "ADDRESS"
                value = allFunctions ? (address.split(separator: ".").first.map(String.init) ?? address) : address
            }
            if pcie { value += ",pcie=1" }
            if primaryGPU { value += ",x-vga=1" }
            return value
        }
    }
}
