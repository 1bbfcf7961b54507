import Foundation

/// One QEMU VM as the homelab keeps it: its config (what `qm config` shows), the
/// config it was started with (what the running QEMU actually has: `usbN` and
/// `hostpciN` changes take effect only at the next start or reboot), its power
/// state and the state of the guest OS inside.
public struct VirtualMachine: Sendable {
    /// QEMU's process: what Proxmox reports as `status`.
    public enum PowerState: String, Sendable {
        case running, stopped
    }

    /// The guest OS: only an `up` guest runs its kubelet, answers the agent and SSH.
    public enum GuestState: String, Sendable {
        case off
        case shuttingDown
        /// Booting; with `LabFaults.rebootHangs` it stays here.
        case booting
        case up
    }

    public let vmid: Int
    public let name: String
    public internal(set) var host: String
    public let kubeNode: String
    /// The config file, pending changes included.
    public internal(set) var config: VMConfig
    /// The config the running QEMU was started with; nil while stopped.
    public internal(set) var bootedConfig: VMConfig?
    public internal(set) var power: PowerState
    public internal(set) var guest: GuestState
    /// When QEMU started (Proxmox's `uptime` counts from here).
    public internal(set) var startedAt: Date?
    /// When the guest finished booting (the guest's `uptime` counts from here).
    public internal(set) var bootedAt: Date?
    /// The `qemu-guest-agent` package/service is in the guest.
    public internal(set) var agentInstalled: Bool
    /// Packages installed in the guest.
    public internal(set) var packages: Set<String>
    /// K3s found NVIDIA's container runtime when it last started (the guest's boot or
    /// `systemctl restart k3s-agent`): the toolkit was installed by then.
    public internal(set) var k3sFoundNVIDIARuntime: Bool
    /// QEMU's pid on the host while running.
    public internal(set) var pid: Int?
    /// Bumped on every power transition so that a timer from an earlier boot does nothing.
    var generation = 0

    init(spec: VMSpec, smbiosUUID: String) {
        vmid = spec.vmid
        name = spec.name
        host = spec.host
        kubeNode = spec.kubeNode
        var config = VMConfig(lines: spec.config)
        let defaults: [String: String] = [
            "name": spec.name, "memory": String(spec.memoryMiB), "cores": String(spec.cores), "sockets": "1",
            "cpu": "host", "ostype": "l26", "scsihw": "virtio-scsi-single", "boot": "order=scsi0;net0",
            "scsi0": "local-zfs:vm-\(spec.vmid)-disk-0,iothread=1,size=200G",
            "net0": "virtio=BC:24:11:\(Self.macTail(spec.vmid)),bridge=vmbr0",
            "smbios1": "uuid=\(smbiosUUID)", "vmgenid": UUID().uuidString.lowercased(),
            "meta": "creation-qemu=9.0.2,ctime=1733900000", "onboot": "1",
        ]
        for (key, value) in defaults where config[key] == nil { config[key] = value }
        if spec.agentEnabled, config["agent"] == nil { config["agent"] = "1" }
        self.config = config
        power = spec.running ? .running : .stopped
        guest = spec.running ? .up : .off
        bootedConfig = spec.running ? config : nil
        startedAt = spec.running ? Date().addingTimeInterval(-86_400) : nil
        bootedAt = startedAt.map { $0.addingTimeInterval(20) }
        agentInstalled = spec.agentInstalled
        packages = spec.packages.union(spec.agentInstalled ? ["qemu-guest-agent"] : [])
        pid = spec.running ? 1000 + spec.vmid * 7 : nil
        k3sFoundNVIDIARuntime = spec.running && packages.contains("nvidia-container-toolkit")
    }

    /// The guest runs its services (kubelet, agent, sshd).
    public var isUp: Bool { guest == .up }

    /// Proxmox's `qmpstatus`.
    public var qmpStatus: String { power == .running ? "running" : "stopped" }

    /// Seconds since QEMU started (0 while stopped).
    func uptime(now: Date) -> Int {
        guard power == .running, let startedAt else { return 0 }
        return max(0, Int(now.timeIntervalSince(startedAt)))
    }

    private static func macTail(_ vmid: Int) -> String {
        String(format: "%02X:%02X:%02X", (vmid >> 16) & 0xFF, (vmid >> 8) & 0xFF, vmid & 0xFF)
    }
}
