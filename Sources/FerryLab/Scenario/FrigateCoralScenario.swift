import FerryJSON
import Foundation

/// Sets up the blueprint's starting point on a fresh lab: the GitOps repository
/// with Frigate's manifests, Flux reconciling it, the Coral label on the source
/// node, Frigate Ready there, and data in its volumes (a database, a model cache,
/// recordings) so that a migration has something to lose.
enum FrigateCoralScenario {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let label = ("coral.ai/tpu", "usb")

    /// How the repository is laid out for Flux.
    enum Layout {
        /// The root Kustomization `flux-system` applies a Kustomization `frigate`,
        /// which applies `apps/frigate` alone.
        case perApp
        /// The root Kustomization `flux-system` applies Frigate and Mosquitto itself,
        /// and anything added to `clusters/homelab`.
        case bootstrap
    }

    static func seed(_ lab: Lab, directory: URL, layout: Layout) async throws {
        let kube = lab.kube
        var files = layout == .perApp ? FrigateCoralManifests.files : FrigateCoralManifests.bootstrapFiles
        if lab.homelab?.addons.contains(.devicePlugin) == true { files = requestingTheTPU(files) }
        let repository = try await GitOpsRepository.create(
            in: directory, files: files, message: "frigate: Coral TPU on pumped-piglet")
        try await labelTheCoralNode(lab)
        try await bootstrapFlux(kube, repository: repository)
        try await waitForFrigate(kube, scenario: "frigate-coral")
        try await writeVolumeData(kube)
    }

    /// The Coral's label on the source node: from a NodeFeatureRule with the NFD addon,
    /// set by hand otherwise.
    static func labelTheCoralNode(_ lab: Lab) async throws {
        if let homelab = lab.homelab, homelab.addons.contains(.nodeFeatureDiscovery) {
            try await lab.kube.create(coralRule)
            await homelab.syncAllNodes()
        } else {
            await lab.kube.store.modify(ObjectKey(ResourceCatalog.nodes, name: source)) { $0.labels[label.0] = label.1 }
        }
    }

    /// Returns once a Frigate pod is Ready; throws naming `scenario` after 60 s.
    static func waitForFrigate(_ kube: KubeLab, scenario: String) async throws {
        let ready = await kube.waitUntil(ResourceCatalog.pods, namespace: "frigate", timeout: .seconds(60)) { pods in
            pods.first { $0.condition("Ready")?["status"].stringValue == "True" }
        }
        guard ready != nil else {
            throw LabError(description: "the \(scenario) scenario did not come up: Frigate was not Ready on \(source) within 60s")
        }
    }

    /// What `flux bootstrap` leaves: the GitRepository `flux-system` on the repository
    /// and the root Kustomization `flux-system` on `./clusters/homelab`.
    static func bootstrapFlux(_ kube: KubeLab, repository: GitOpsRepository) async throws {
        try await kube.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "flux-system"]])
        try await kube.create([
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": ["name": "flux-system", "namespace": "flux-system"],
            "spec": ["interval": "1m0s", "ref": ["branch": .string(repository.branch)], "url": .string(repository.url)],
        ])
        try await kube.create([
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": ["name": "flux-system", "namespace": "flux-system"],
            "spec": [
                "interval": "10m0s", "path": "./clusters/homelab", "prune": true,
                "sourceRef": ["kind": "GitRepository", "name": "flux-system"],
            ],
        ])
    }

    /// Frigate as a homelab with a device plugin deploys it: its container requests
    /// one `coral.ai/tpu` beside the GPU (in the file at `path` that sets the GPU limit).
    static func requestingTheTPU(_ files: [String: String], in path: String = "apps/frigate/deployment.yaml") -> [String: String] {
        var files = files
        guard let text = files[path], let line = text.split(separator: "\n").first(where: { $0.hasSuffix("nvidia.com/gpu: 1") }) else { return files }
        let indent = line.prefix { $0 == " " }
        files[path] = text.replacingOccurrences(of: line + "\n", with: line + "\n" + indent + "\(DevicePlugin.resource): 1\n")
        return files
    }

    /// The rule a homelab with Node Feature Discovery labels its Coral node by, under
    /// either of the Coral's ids.
    static let coralRule: JSON = [
        "apiVersion": "nfd.k8s-sigs.io/v1alpha1", "kind": "NodeFeatureRule", "metadata": ["name": "coral-tpu"],
        "spec": ["rules": [[
            "name": "coral usb", "labels": [label.0: .string(label.1)],
            "matchAny": [
                ["matchFeatures": [["feature": "usb.device", "matchExpressions": ["vendor": ["op": "In", "value": ["1a6e"]], "device": ["op": "In", "value": ["089a"]]]]]],
                ["matchFeatures": [["feature": "usb.device", "matchExpressions": ["vendor": ["op": "In", "value": ["18d1"]], "device": ["op": "In", "value": ["9302"]]]]]],
            ],
        ]]],
    ]

    /// Files as Frigate keeps them; small, but with the shapes a copy must preserve
    /// (nested directories, a symlink, an empty file, distinct modes).
    static func writeVolumeData(_ kube: KubeLab) async throws {
        let root = try await writeFiles(kube, namespace: "frigate", node: source, files: [
            "frigate-config": [
                ("frigate.db", "SQLite format 3\u{0}events,recordings,timeline\n"),
                ("model_cache/edgetpu_model.tflite", String(repeating: "TFL3", count: 2048)),
                ("backups/frigate.db.2025-12-12", "SQLite format 3\u{0}yesterday\n"),
                ("faces/.keep", ""),
            ],
            "frigate-media": [
                ("recordings/2025-12-13/10/driveway/00.00.mp4", String(repeating: "\u{0}ftypisom", count: 4096)),
                ("recordings/2025-12-13/10/driveway/10.00.mp4", String(repeating: "\u{0}ftypisom", count: 4096)),
                ("clips/driveway-1734084000.123-abc123.jpg", "\u{FF}\u{D8}JFIF snapshot"),
            ],
        ])
        guard let media = root["frigate-media"] else { return }
        try FileManager.default.createSymbolicLink(
            atPath: media.appendingPathComponent("recordings/latest").path, withDestinationPath: "2025-12-13")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: media.appendingPathComponent("clips").path)
    }

    /// Writes files into bound claims' volumes on `node`; returns each volume's root by claim.
    @discardableResult
    static func writeFiles(_ kube: KubeLab, namespace: String, node: String, files: [String: [(String, String)]]) async throws -> [String: URL] {
        var roots: [String: URL] = [:]
        for (claimName, contents) in files {
            let claim = try await kube.store.get(ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: namespace, name: claimName))
            let pv = try await kube.store.get(ObjectKey(ResourceCatalog.persistentVolumes, name: claim["spec"]["volumeName"].stringValue ?? ""))
            guard let path = pv["spec"]["hostPath"]["path"].stringValue else { continue }
            let root = kube.filesystem.url(node: node, path: path)
            roots[claimName] = root
            for (relative, text) in contents {
                let file = root.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: file)
            }
        }
        return roots
    }
}
