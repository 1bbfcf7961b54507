import Foundation
import Testing

/// `ferry demo`, as a newcomer runs it, in the scenarios beyond the reference one: a
/// PCIe card carried (the hosts go down and come back) and a HelmRelease (its values
/// edited, the release resumed); each ends with the workload on the target.
@Suite("ferry demo")
struct DemoCommandTests {
    @Test("demo --scenario ollama-gpu carries the GPU and ends with Ollama on still-fawn, its log naming the card")
    func ollamaGPU() async throws {
        let result = try await BenchCommandTests.ferry(["demo", "--scenario", "ollama-gpu"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("Migration ollama-piglet-to-fawn: completed."), "\(out)")
        #expect(out.contains("Ollama now runs on k3s-vm-still-fawn"), "\(out)")
        #expect(out.contains("library=cuda") && out.contains("NVIDIA GeForce RTX 3090"), "\(out)")
        #expect(out.contains("gpu:     in still-fawn at 0000:01:00.0, passed to VM 108; pumped-piglet and still-fawn were powered off for the move and are back"), "\(out)")
        #expect(out.contains("  downtime: "), "\(out)")
    }

    @Test("demo --scenario frigate-helm edits the release's values only and ends with Frigate on still-fawn, the release resumed")
    func frigateHelm() async throws {
        let result = try await BenchCommandTests.ferry(["demo", "--scenario", "frigate-helm"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("      controller: flux-helmrelease\n") && out.contains("      helmRelease: frigate/frigate\n"), "\(out)")
        #expect(out.contains("Suspend Flux HelmRelease frigate/frigate"), "\(out)")
        #expect(out.contains("Migration frigate-piglet-to-fawn: completed."), "\(out)")
        #expect(out.contains("Frigate now runs on k3s-vm-still-fawn"), "\(out)")
        #expect(out.contains("TPU found"), "\(out)")
        let stat = out.split(separator: "\n").filter { $0.hasPrefix("           ") && $0.contains(" | ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(stat == ["clusters/homelab/frigate/helmrelease.yaml", "clusters/homelab/frigate/values.yaml"], "the commit edits the values only: \(out)")
        #expect(out.contains("release: HelmRelease frigate/frigate v2 deployed, not suspended"), "\(out)")
    }

    @Test("demo --scenario with a name that has no workload is a usage error listing the ones that do")
    func unknownScenario() async throws {
        let result = try await BenchCommandTests.ferry(["demo", "--scenario", "homelab"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown scenario 'homelab'. Choose one of: frigate-coral, frigate-bootstrap, frigate-helm, ollama-gpu.\n"), "\(result.stderr)")
    }
}
