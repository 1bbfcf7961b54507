/// What `ferry lab status` shows: the running lab's hosts, VMs, devices, Kubernetes
/// nodes and the faults switched on. The control endpoint answers `GET /v1/status`
/// with it as JSON.
public struct LabStatus: Codable, Sendable, Equatable {
    public var directory: String
    public var scenario: String
    /// The `lab up` process.
    public var pid: Int32
    public var hosts: [Host]
    public var virtualMachines: [VirtualMachine]
    public var devices: [Device]
    public var nodes: [Node]
    public var faults: [Fault]

    public struct Host: Codable, Sendable, Equatable {
        public var name: String
        public var ip: String
        /// Its SSH name (`still-fawn.maas`).
        public var ssh: String
        /// `on`, `shutting down`, `off` or `booting` (a PCI card's move powers hosts off).
        public var power: String
    }

    public struct VirtualMachine: Codable, Sendable, Equatable {
        public var vmid: Int
        public var name: String
        public var host: String
        /// `running` or `stopped` (Proxmox's `status`).
        public var power: String
        /// The guest OS: `up`, `booting`, `shuttingDown`, `off`.
        public var guest: String
        /// The `usbN` and `hostpciN` lines of its config (pending changes included).
        public var passthrough: [String: String]
        /// Passthrough lines changed since it started (they apply at the next start or reboot).
        public var pendingPassthrough: [String]
        /// The devices the running guest sees.
        public var devicesVisible: [String]
    }

    public struct Device: Codable, Sendable, Equatable {
        public var name: String
        /// `usb` or `pci`.
        public var kind: String
        /// Nil while unplugged (fault device-missing).
        public var host: String?
        /// What it shows now (`1a6e:089a`; a Coral once opened: `18d1:9302`).
        public var id: String
        /// `2-1` for USB, `0000:01:00.0` for PCI.
        public var address: String?
    }

    public struct Node: Codable, Sendable, Equatable {
        public var name: String
        /// The Ready condition's status: `True`, `False` or `Unknown`.
        public var ready: String
    }

    public struct Fault: Codable, Sendable, Equatable {
        /// A `LabControlFault` raw value.
        public var name: String
        public var target: String?
        public var value: Double?

        public init(name: String, target: String? = nil, value: Double? = nil) {
            self.name = name
            self.target = target
            self.value = value
        }
    }
}
