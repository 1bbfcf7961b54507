/// The homelabs the lab can stand up. Each names its nodes; the workloads and the
/// Proxmox side come with the scenarios that need them.
public enum LabScenario: String, Sendable, CaseIterable {
    /// The three K3s VMs of the blueprint's homelab, nothing deployed.
    case homelab

    /// SSH endpoints broken from the start: in the blueprint's incident, SSH to the
    /// target VM did not work and commands went through the guest agent.
    public var sshRefused: Set<String> {
        switch self {
        case .homelab: return ["k3s-vm-still-fawn"]
        }
    }

    public var nodes: [NodeSpec] {
        switch self {
        case .homelab:
            return [
                NodeSpec(
                    name: "k3s-vm-pumped-piglet-gpu",
                    capacity: ["cpu": "8", "memory": "32Gi", "pods": "110", "nvidia.com/gpu": "1"],
                    runtimeHandlers: ["nvidia", "nvidia-experimental"], internalIP: "192.168.4.210"),
                NodeSpec(name: "k3s-vm-still-fawn", internalIP: "192.168.4.212"),
                NodeSpec(name: "k3s-vm-pve", internalIP: "192.168.4.214"),
            ]
        }
    }
}
