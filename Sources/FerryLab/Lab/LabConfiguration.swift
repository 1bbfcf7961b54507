import Foundation
import FerryJSON

/// What a lab is made of and how fast it moves. Every delay is small by default so
/// that tests and the demo are quick, and can be raised to rehearse real timing.
public struct LabConfiguration: Sendable {
    /// Where the lab keeps its state: kubeconfig, certificates, volume data.
    public var directory: URL
    /// 0 picks a free port.
    public var kubePort: Int = 0
    public var nodes: [NodeSpec]
    public var timing = Timing()
    /// The Proxmox side (hosts, VMs, hardware), started by `Lab.start`; nil for a
    /// Kubernetes-only lab.
    public var homelab: HomelabSpec?
    /// The Proxmox VE API's port; 0 picks a free port.
    public var proxmoxPort: Int = 0
    /// SSH endpoints (`still-fawn.maas`, `k3s-vm-still-fawn`, ...) that start with the
    /// `refused` fault on; `LabScenario.sshRefused` is a scenario's default.
    public var sshRefused: Set<String> = []

    public init(directory: URL, nodes: [NodeSpec], kubePort: Int = 0, timing: Timing = Timing()) {
        self.directory = directory
        self.nodes = nodes
        self.kubePort = kubePort
        self.timing = timing
    }

    public struct Timing: Sendable {
        /// From a pod landing on a node to its containers running.
        public var containerStart: Duration = .milliseconds(150)
        /// From a pod's deletion to its containers being gone.
        public var podTermination: Duration = .milliseconds(100)
        /// First CrashLoopBackOff delay; doubles per restart up to `crashBackoffMax`
        /// (Kubernetes: 10s doubling to 5m).
        public var crashBackoff: Duration = .milliseconds(400)
        public var crashBackoffMax: Duration = .seconds(3)
        /// From a VM's start (or the QEMU restart of a reboot) to its guest being up:
        /// kubelet posting Ready, agent and SSH answering.
        public var vmBoot: Duration = .milliseconds(300)
        /// From an ACPI shutdown or reboot request to QEMU exiting.
        public var vmShutdown: Duration = .milliseconds(100)
        /// From a host's power button to its API and `onboot` VMs starting.
        public var hostBoot: Duration = .milliseconds(300)
        /// From a guest-agent `exec` to its `exec-status` reporting it exited.
        public var guestExec: Duration = .milliseconds(50)
        /// Flux intervals (`spec.interval` of a GitRepository or Kustomization) are
        /// multiplied by this: 1/300 makes "10m" two seconds and "1m" 200 ms.
        public var fluxIntervalScale: Double = 1.0 / 300
        /// How long one minute of a CronJob schedule lasts on the wall clock: the
        /// schedules run on a clock that is 60s/cronMinute times faster (`CompressedClock`),
        /// so that `*/5 * * * *` fires every five seconds by default.
        public var cronMinute: Duration = .seconds(1)

        public init() {}

        /// The least downtime any migration can have in this lab: the target VM's
        /// reboot (shutdown, then boot) and the workload's container start. What a run
        /// adds to it is ferry's own cost.
        public var downtimeFloor: Duration { vmShutdown + vmBoot + containerStart }
    }
}

/// One Kubernetes node of the lab (a K3s VM in the homelab it stands for).
public struct NodeSpec: Sendable {
    public var name: String
    /// `kubernetes.io/hostname`; it can differ from the node name (local-path-provisioner#413).
    public var hostname: String
    public var labels: [String: String]
    /// Capacity as in `status.capacity`: cpu, memory, pods, extended resources.
    public var capacity: [String: String]
    /// Container runtime handlers the node has besides runc (K3s adds `nvidia` when it finds the NVIDIA runtime).
    public var runtimeHandlers: [String]
    public var taints: [JSON]
    public var internalIP: String

    public init(
        name: String, hostname: String? = nil, labels: [String: String] = [:],
        capacity: [String: String] = ["cpu": "4", "memory": "16Gi", "pods": "110"], runtimeHandlers: [String] = [],
        taints: [JSON] = [], internalIP: String = "10.42.0.1"
    ) {
        self.name = name
        self.hostname = hostname ?? name
        self.labels = labels
        self.capacity = capacity
        self.runtimeHandlers = runtimeHandlers
        self.taints = taints
        self.internalIP = internalIP
    }
}
