extension MigrationPlan {
    /// A piece of hardware passed through from the Proxmox host to the VM, which moves
    /// with the workload.
    ///
    /// A USB device is chosen by its ids (several are allowed: a Coral USB enumerates as
    /// `1a6e:089a` and, once its firmware is loaded, as `18d1:9302`, and the VM must
    /// accept both), by the host port it is plugged into, or by a Proxmox resource
    /// mapping (needed when the API token is not root's). A PCI device by its address
    /// or a mapping.
    public struct Device: Sendable, Hashable {
        /// A short name used in messages and step ids (`coral`).
        public var name: String
        public var selector: Selector
        /// The extended resource a device plugin advertises for it on the node whose
        /// VM has it (`coral.ai/tpu`); the pods request it, so the run waits until the
        /// target node advertises it rather than removing the request.
        public var resource: String?

        public init(name: String, selector: Selector, resource: String? = nil) {
            self.name = name
            self.selector = selector
            self.resource = resource
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
        /// The host address, normalised with its domain: `0000:01:00.0`.
        public var address: String?
        /// A Proxmox PCI resource mapping name.
        public var mapping: String?
        /// `pcie=1`: attached as PCI Express (needs the q35 machine type).
        public var pcie: Bool
        /// `x-vga=1`: the device is the VM's primary GPU.
        public var primaryGPU: Bool

        public init(address: String? = nil, mapping: String? = nil, pcie: Bool = false, primaryGPU: Bool = false) {
            self.address = address
            self.mapping = mapping
            self.pcie = pcie
            self.primaryGPU = primaryGPU
        }

        /// The value for the VM's `hostpciN:` line.
        public var configValue: String {
            var value = mapping.map { "mapping=\($0)" } ?? (address ?? "")
            if pcie { value += ",pcie=1" }
            if primaryGPU { value += ",x-vga=1" }
            return value
        }
    }
}
