import FerryJSON
import Foundation

/// Sets up the `ollama-gpu` scenario on a fresh lab: Ollama on pumped-piglet with the
/// NVIDIA card VM 105 passes (`hostpci0`), deployed by Flux, its log saying
/// `library=cuda`, and a model in its volume. still-fawn has no NVIDIA card, so the
/// migration carries the card: both hosts power off for it.
enum OllamaGPUScenario {
    static let source = "k3s-vm-pumped-piglet-gpu"

    static func seed(_ lab: Lab, directory: URL) async throws {
        let kube = lab.kube
        let repository = try await GitOpsRepository.create(
            in: directory, files: OllamaGPUManifests.files, message: "ollama: on pumped-piglet's RTX card")
        try await FrigateCoralScenario.bootstrapFlux(kube, repository: repository)
        let ready = await kube.waitUntil(ResourceCatalog.pods, namespace: "ollama", timeout: .seconds(60)) { pods in
            pods.first { $0.condition("Ready")?["status"].stringValue == "True" }
        }
        guard ready != nil else {
            throw LabError(description: "the ollama-gpu scenario did not come up: Ollama was not Ready on \(source) within 60s")
        }
        try await FrigateCoralScenario.writeFiles(kube, namespace: "ollama", node: source, files: [
            "ollama-models": [
                ("manifests/registry.ollama.ai/library/llama3.2/latest", #"{"schemaVersion":2,"layers":[{"digest":"sha256:dde5aa3f"}]}"#),
                ("blobs/sha256-dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff", String(repeating: "GGUF", count: 16384)),
                ("history", ""),
            ],
        ])
    }
}
