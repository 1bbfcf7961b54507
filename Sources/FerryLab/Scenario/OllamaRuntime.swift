import FerryJSON
import Foundation

/// Ollama, as the lab's kubelet runs it: it looks for a GPU at start, as its
/// `discover` package does, and logs what it found. With an NVIDIA card in the
/// node's VM and the driver there (`nvidia-smi` answers), `inference compute`
/// names the card with `library=cuda`; without, `no compatible GPUs were
/// discovered` and it computes on the CPU (`library=cpu`), as the real one does.
/// It listens on its pod's IP, port 11434, and answers `GET /api/version` with
/// `{"version":"…"}`.
struct OllamaRuntime: ContainerRuntime {
    static let port = 11434

    let homelab: Homelab
    let web = AppWebServers()

    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        guard let image = container["image"].stringValue, image.contains("ollama") else { return nil }
        let tag = image.split(separator: ":").last.map(String.init) ?? "latest"
        let version = tag.first?.isNumber == true ? tag : "0.5.7"
        var log = [#"time=2026-12-07T10:00:00.000Z level=INFO source=routes.go:1259 msg="Listening on [::]:11434 (version \#(version))""#]
        let vm = await homelab.vm(kubeNode: node)
        let driver = vm?.packages.contains { $0.hasPrefix("nvidia-driver") } == true
        let cards = driver ? await homelab.devicesVisible(onNode: node).filter(NVIDIAStack.isNVIDIA) : []
        if let card = cards.first {
            let name = card.identity.productName.split(separator: "[").last.map { "NVIDIA " + $0.dropLast() } ?? "NVIDIA GPU"
            log.append(#"time=2026-12-07T10:00:00.200Z level=INFO source=types.go:131 msg="inference compute" id=GPU-\#(card.name) library=cuda variant=v12 compute=8.6 driver=12.4 name="\#(name)" total="24.0 GiB" available="23.6 GiB""#)
        } else {
            log.append(#"time=2026-12-07T10:00:00.200Z level=INFO source=gpu.go:386 msg="no compatible GPUs were discovered""#)
            log.append(#"time=2026-12-07T10:00:00.201Z level=INFO source=types.go:131 msg="inference compute" id=0 library=cpu variant=avx2 compute="" driver=0.0 name="" total="31.3 GiB" available="29.8 GiB""#)
        }
        if let ip = pod["status"]["podIP"].stringValue {
            do {
                let server = try await AppWebServer(name: "Ollama", host: ip, port: Self.port, routes: ["api/version": #"{"version":"\#(version)"}"#])
                web.add(server, pod: pod.uid, node: node)
            } catch {
                log.append(#"time=2026-12-07T10:00:00.300Z level=ERROR source=routes.go:1200 msg="\#(error)""#)
                return .exited(code: 1, log: log)
            }
        }
        return .running(log: log)
    }

    func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? { nil }

    func stop(pod: JSON, node: String) async -> Bool {
        web.stop(pod: pod.uid)
        return true
    }

    func release(node: String, keeping live: Set<String>) async {
        web.stop(node: node, keeping: live)
    }
}
