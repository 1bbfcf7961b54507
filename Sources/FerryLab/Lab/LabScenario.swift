import FerryJSON
import Foundation

/// The homelabs the lab can stand up, all on the blueprint's world: three Proxmox
/// hosts with one K3s VM each, an NVIDIA GPU on pumped-piglet, an AMD iGPU on
/// still-fawn, and the Coral USB TPU plugged into pumped-piglet and passed through to
/// VM 105 by both of its ids.
public enum LabScenario: String, Sendable, CaseIterable {
    /// The hosts, VMs, hardware and cluster; nothing deployed.
    case homelab
    /// `homelab` plus the GitOps repository, Flux, and Frigate running on
    /// pumped-piglet with the Coral (`TPU found`) and files in its two local-path
    /// volumes: the starting point of the blueprint's migration.
    case frigateCoral = "frigate-coral"
    /// `frigate-coral` laid out as `flux bootstrap` lays a repository out: the root
    /// Kustomization `flux-system` applies `clusters/homelab`, which holds Frigate
    /// beside another app (Mosquitto's config in namespace `mqtt`). Suspending it would
    /// freeze every app's GitOps, which is what `gitops.pause: objects` is for.
    case frigateBootstrap = "frigate-bootstrap"
    /// `frigate-coral`'s homelab and Frigate, released by helm-controller from a chart
    /// in the GitOps repository (`charts/frigate`): the HelmRelease `frigate/frigate`
    /// holds the node, runtime and GPU in its values, with drift detection on.
    case frigateHelm = "frigate-helm"
    /// `homelab` plus the GitOps repository, Flux, and Ollama on pumped-piglet with
    /// the NVIDIA card VM 105 passes (`nvidia.com/gpu`, RuntimeClass `nvidia`) and a
    /// model in its local-path volume. still-fawn has no NVIDIA card: the migration
    /// carries it, powering both hosts off.
    case ollamaGPU = "ollama-gpu"

    /// The workload the scenario's migration moves (namespace, name), from
    /// k3s-vm-pumped-piglet-gpu to k3s-vm-still-fawn; nil for the bare homelab.
    public var workload: (namespace: String, name: String)? {
        switch self {
        case .homelab: nil
        case .frigateCoral, .frigateBootstrap, .frigateHelm: ("frigate", "frigate")
        case .ollamaGPU: ("ollama", "ollama")
        }
    }

    /// SSH endpoints broken from the start: in the blueprint's incident, SSH to the
    /// target VM did not work and commands had to go through the guest agent.
    public var sshRefused: Set<String> { ["k3s-vm-still-fawn"] }

    public var nodes: [NodeSpec] {
        [
            // With a homelab, nvidia.com/gpu and the nvidia handlers then follow the
            // card, the driver and the toolkit (NVIDIAStack); a Kubernetes-only lab
            // keeps these.
            NodeSpec(
                name: "k3s-vm-pumped-piglet-gpu",
                capacity: ["cpu": "8", "memory": "32Gi", "pods": "110", "nvidia.com/gpu": "1"],
                runtimeHandlers: ["nvidia", "nvidia-experimental"], internalIP: "192.168.4.210"),
            NodeSpec(name: "k3s-vm-still-fawn", internalIP: "192.168.4.212"),
            NodeSpec(name: "k3s-vm-pve", internalIP: "192.168.4.214"),
        ]
    }

    /// The lab's configuration for this scenario. With a `portBase`, the Kubernetes
    /// API listens on it and the Proxmox API on the next port; 0 picks free ports.
    public func configuration(directory: URL, portBase: Int = 0, addons: LabAddons = []) -> LabConfiguration {
        var configuration = LabConfiguration(directory: directory, nodes: nodes, kubePort: portBase)
        configuration.homelab = .frigateCoral
        configuration.homelab?.addons = addons
        configuration.proxmoxPort = portBase > 0 ? portBase + 1 : 0
        configuration.sshRefused = sshRefused
        return configuration
    }

    /// Starts the lab and sets the scenario up; returns once it is in its starting
    /// state (for `frigate-coral`: Frigate Ready on the source node).
    /// With Node Feature Discovery the Coral's label comes from a NodeFeatureRule
    /// instead of being set by hand; with the device plugin Frigate requests `coral.ai/tpu`.
    public func start(directory: URL, portBase: Int = 0, addons: LabAddons = []) async throws -> Lab {
        let lab = try await Lab.start(configuration(directory: directory, portBase: portBase, addons: addons))
        do {
            switch self {
            case .homelab: break
            case .frigateCoral: try await FrigateCoralScenario.seed(lab, directory: directory, layout: .perApp)
            case .frigateBootstrap: try await FrigateCoralScenario.seed(lab, directory: directory, layout: .bootstrap)
            case .ollamaGPU: try await OllamaGPUScenario.seed(lab, directory: directory)
            case .frigateHelm: try await FrigateHelmScenario.seed(lab, directory: directory)
            }
            return lab
        } catch {
            await lab.shutdown()
            throw error
        }
    }
}
