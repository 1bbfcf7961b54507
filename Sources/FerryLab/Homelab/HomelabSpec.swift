/// The Proxmox side of a lab: hosts, the VMs on them (each one a K3s node), and the
/// hardware plugged into the hosts. Presets live in `HomelabSpec+Presets.swift`.
public struct HomelabSpec: Sendable {
    public var hosts: [HostSpec]
    public var vms: [VMSpec]
    public var devices: [Device]
    /// Packages `apt-get install` finds in the VMs' repositories.
    public var aptPackages: Set<String>
    /// What runs in the cluster besides K3s to tie nodes to their hardware.
    public var addons: LabAddons = []
    /// Datacenter > Resource Mappings: `/cluster/mapping/{usb|pci}/{name}`.
    public var mappings: [ResourceMappingSpec] = []

    public init(hosts: [HostSpec], vms: [VMSpec], devices: [Device] = [], aptPackages: Set<String> = HomelabSpec.defaultAptPackages) {
        self.hosts = hosts
        self.vms = vms
        self.devices = devices
        self.aptPackages = aptPackages
    }

    public static let defaultAptPackages: Set<String> = [
        "curl", "jq", "usbutils", "pciutils", "qemu-guest-agent", "libedgetpu1-std", "libedgetpu1-max", "gasket-dkms",
        "vainfo", "mesa-va-drivers", "intel-media-va-driver", "radeontop", "nvidia-driver-550", "nvidia-container-toolkit",
    ]
}

/// A cluster resource mapping as Proxmox stores it: a name and one `map` line per
/// host (`node=still-fawn,path=0000:01:00.0,id=10de:2484,iommugroup=14`).
public struct ResourceMappingSpec: Sendable {
    public enum Kind: String, Sendable {
        case usb, pci
    }

    public var kind: Kind
    public var name: String
    public var map: [String]

    public init(kind: Kind, name: String, map: [String]) {
        self.kind = kind
        self.name = name
        self.map = map
    }
}

/// One Proxmox VE host (a cluster node).
public struct HostSpec: Sendable {
    /// The node name (`pumped-piglet`), as in `/nodes/{node}`.
    public var name: String
    public var ip: String
    public var cpus: Int
    public var memoryGiB: Int

    public init(name: String, ip: String, cpus: Int = 16, memoryGiB: Int = 64) {
        self.name = name
        self.ip = ip
        self.cpus = cpus
        self.memoryGiB = memoryGiB
    }
}

/// One QEMU VM. Its config starts with `name`, `memory`, `cores`, `agent`, `smbios1`
/// and the rest a K3s VM has, plus `config` lines as Proxmox stores them
/// (`usb0: host=1a6e:089a,usb3=1`, `hostpci0: 0000:01:00.0,pcie=1`).
public struct VMSpec: Sendable {
    public var vmid: Int
    public var name: String
    /// The Proxmox host it lives on.
    public var host: String
    /// The Kubernetes node it runs (the VM name in K3s homelabs).
    public var kubeNode: String
    public var memoryMiB: Int
    public var cores: Int
    /// Extra config lines, e.g. `usb0: host=1a6e:089a,usb3=1`.
    public var config: [String]
    /// `agent: 1` in the config.
    public var agentEnabled: Bool
    /// The `qemu-guest-agent` service is installed and running in the guest.
    public var agentInstalled: Bool
    public var running: Bool
    /// Packages installed in the guest (`dpkg -s`).
    public var packages: Set<String>

    public init(
        vmid: Int, name: String, host: String, kubeNode: String? = nil, memoryMiB: Int = 16384, cores: Int = 4,
        config: [String] = [], agentEnabled: Bool = true, agentInstalled: Bool = true, running: Bool = true,
        packages: Set<String> = ["usbutils", "pciutils", "curl", "qemu-guest-agent"]
    ) {
        self.vmid = vmid
        self.name = name
        self.host = host
        self.kubeNode = kubeNode ?? name
        self.memoryMiB = memoryMiB
        self.cores = cores
        self.config = config
        self.agentEnabled = agentEnabled
        self.agentInstalled = agentInstalled
        self.running = running
        self.packages = packages
    }
}
