import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The reference scenario: the blueprint's homelab with Frigate on the Coral, and
/// the hardware lessons of its migration, replayed on the lab.
@Suite("The frigate-coral scenario")
struct FrigateCoralScenarioTests {
    static func withScenario(_ body: (Lab) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scenario-\(UUID().uuidString)")
        let lab = try await LabScenario.frigateCoral.start(directory: directory)
        do {
            try await body(lab)
        } catch {
            await lab.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await lab.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    static func frigatePod(_ lab: Lab, namespace: String = "frigate", timeout: Duration = .seconds(30),
                           _ match: @escaping @Sendable (JSON) -> Bool) async -> JSON? {
        await lab.kube.waitUntil(ResourceCatalog.pods, namespace: namespace, timeout: timeout) { pods in
            pods.first { !$0.isDeleting && match($0) }
        }
    }

    static func log(_ lab: Lab, _ pod: JSON, namespace: String = "frigate") async -> [String] {
        await lab.kube.logs.lines(namespace: namespace, pod: pod.name, container: "frigate", previous: false, tail: nil) ?? []
    }

    static func crashLooping(_ pod: JSON) -> Bool {
        pod["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"].stringValue == "CrashLoopBackOff"
    }

    @Test("it starts with Frigate Ready on pumped-piglet, the TPU found, and files in both volumes")
    func startingPoint() async throws {
        try await Self.withScenario { lab in
            let pod = try #require(await Self.frigatePod(lab) { $0.isReady })
            #expect(pod["spec"]["nodeName"] == "k3s-vm-pumped-piglet-gpu")
            #expect(await Self.log(lab, pod).contains { $0.hasSuffix("TPU found") })
            let node = try await lab.kube.store.get(ObjectKey(ResourceCatalog.nodes, name: "k3s-vm-pumped-piglet-gpu"))
            #expect(node.labels["coral.ai/tpu"] == "usb")
            let storage = lab.kube.filesystem.url(node: "k3s-vm-pumped-piglet-gpu", path: LocalPathProvisioner.storageRoot)
            let volumes = try FileManager.default.contentsOfDirectory(atPath: storage.path).sorted()
            #expect(volumes.count == 2)
            #expect(volumes.contains { $0.hasSuffix("_frigate_frigate-config") })
            let config = storage.appendingPathComponent(volumes.first { $0.hasSuffix("frigate-config") }!)
            #expect(FileManager.default.fileExists(atPath: config.appendingPathComponent("frigate.db").path))
            let ks = try await lab.kube.store.get(ObjectKey(ResourceCatalog.kustomizations, namespace: "flux-system", name: "frigate"))
            #expect(ks.condition("Ready")?["status"] == "True")
            #expect(FileManager.default.fileExists(atPath: lab.kube.configuration.directory.appendingPathComponent("gitops/apps/frigate/deployment.yaml").path))
        }
    }

    @Test("laid out as flux bootstrap lays it out: the blueprint's flux reconcile kustomization flux-system --with-source applies a push, and the root applies Kustomization frigate")
    func bootstrapLayout() async throws {
        try await Self.withScenario { lab in
            let frigate = try await lab.kube.store.get(ObjectKey(ResourceCatalog.kustomizations, namespace: "flux-system", name: "frigate"))
            #expect(frigate.labels["kustomize.toolkit.fluxcd.io/name"] == "flux-system", "the root applies Frigate's Kustomization")
            let repository = GitOpsRepository.existing(in: lab.kube.configuration.directory)
            try repository.write([
                "clusters/homelab/kustomization.yaml": "resources:\n  - frigate.yaml\n  - house-rules.yaml\n",
                "clusters/homelab/house-rules.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: house-rules\n  namespace: default\ndata:\n  quiet: 22:00\n",
            ])
            _ = try await repository.commitAll("house rules")
            try await repository.push()
            let head = try await repository.head()
            // `flux reconcile kustomization flux-system --with-source`, as kubectl says it.
            let kubectl = Kubectl(kubeconfig: lab.kube.kubeconfigPath, scratch: lab.kube.configuration.directory)
            _ = try await kubectl.succeed(
                "annotate", "--overwrite", "-n", "flux-system", "gitrepository/flux-system", "kustomization/flux-system",
                "reconcile.fluxcd.io/requestedAt=\(UUID().uuidString)")
            let rules = await lab.kube.waitUntil(ResourceCatalog.configMaps, namespace: "default", timeout: .seconds(30)) { maps in
                maps.first { $0.name == "house-rules" }
            }
            #expect(rules?["data"]["quiet"] == "22:00")
            let followed = await lab.kube.waitUntil(ResourceCatalog.kustomizations, namespace: "flux-system", timeout: .seconds(30)) { list in
                list.first { $0.name == "frigate" && $0["status"]["lastAppliedRevision"].stringValue?.hasSuffix(head) == true }
            }
            #expect(followed != nil, "Kustomization frigate reconciles the new revision of the source it shares with the root")
        }
    }

    @Test("kubectl reaches Frigate's /api/version through the service proxy; without its TPU Frigate has no endpoint: 503")
    func serviceProxy() async throws {
        try await Self.withScenario { lab in
            let kubectl = Kubectl(kubeconfig: lab.kube.kubeconfigPath, scratch: lab.kube.configuration.directory)
            let path = "/api/v1/namespaces/frigate/services/frigate:5000/proxy/api/version"
            let version = try await kubectl.succeed("get", "--raw", path)
            #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == "0.14.1-f4f3cfa")
            let byName = try await kubectl.succeed("get", "--raw", "/api/v1/namespaces/frigate/services/http:frigate:http/proxy/api/version")
            #expect(byName.trimmingCharacters(in: .whitespacesAndNewlines) == "0.14.1-f4f3cfa")

            try await #require(lab.homelab).moveDevice("coral", toHost: "still-fawn")
            _ = try #require(await Self.frigatePod(lab, Self.crashLooping))
            let unready = await lab.kube.waitUntil(ResourceCatalog.endpoints, namespace: "frigate", timeout: .seconds(30)) { list in
                list.first { endpoints in
                    endpoints.name == "frigate"
                        && (endpoints["subsets"].arrayValue ?? []).allSatisfy { ($0["addresses"].arrayValue ?? []).isEmpty }
                }
            }
            #expect(unready != nil)
            let result = try await kubectl.run("get", "--raw", path)
            #expect(!result.succeeded)
            #expect(result.stderr.contains("(ServiceUnavailable): no endpoints available for service"), "\(result)")
        }
    }

    @Test("moving the Coral without reconfiguring passthrough leaves Frigate crash-looping without its TPU")
    func moveWithoutPassthrough() async throws {
        try await Self.withScenario { lab in
            let homelab = try #require(lab.homelab)
            try await homelab.moveDevice("coral", toHost: "still-fawn")
            let pod = try #require(await Self.frigatePod(lab, Self.crashLooping))
            #expect(await lab.kube.logs.lines(namespace: "frigate", pod: pod.name, container: "frigate", previous: false, tail: nil)?
                .contains { $0.contains("No EdgeTPU was detected") || $0.contains("EdgeTPU is no longer available") } == true)
            #expect(await homelab.devicesVisible(onNode: "k3s-vm-still-fawn").contains(where: FrigateRuntime.isCoral) == false)
        }
    }

    @Test("passthrough set on the target VM changes nothing until it reboots; then Frigate there finds the TPU")
    func passthroughNeedsReboot() async throws {
        try await Self.withScenario { lab in
            let homelab = try #require(lab.homelab)
            try await homelab.moveDevice("coral", toHost: "still-fawn")
            // A volume-less Frigate pinned to the target, with the target's VAAPI preset.
            try await lab.kube.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "nvr"]])
            var config = try await lab.kube.store.get(ObjectKey(ResourceCatalog.configMaps, namespace: "frigate", name: "frigate-config"))
            config["metadata"] = ["name": "frigate-config", "namespace": "nvr"]
            config[path: ["data", "config.yml"]] = .string(
                (config["data"]["config.yml"].stringValue ?? "").replacingOccurrences(of: "preset-nvidia-h264", with: "preset-vaapi"))
            try await lab.kube.create(config)
            try await lab.kube.create(Self.targetFrigate)
            let crashing = try #require(await Self.frigatePod(lab, namespace: "nvr", Self.crashLooping))
            #expect(crashing["spec"]["nodeName"] == "k3s-vm-still-fawn")

            let digest = try await homelab.config(108).digest
            try await homelab.updateConfig(108, set: ["usb0": "host=1a6e:089a,usb3=1", "usb1": "host=18d1:9302,usb3=1"], delete: [], digest: digest)
            #expect(await homelab.devicesVisible(onNode: "k3s-vm-still-fawn").contains(where: FrigateRuntime.isCoral) == false)

            let upid = try await homelab.reboot(108)
            _ = try await homelab.waitForTask(upid)
            let running = try #require(await Self.frigatePod(lab, namespace: "nvr") { $0.isReady })
            #expect(await Self.log(lab, running, namespace: "nvr").contains { $0.hasSuffix("TPU found") })
            // Frigate opened it: the Coral now shows its Google id, still passed through.
            #expect(await homelab.devicesVisible(onNode: "k3s-vm-still-fawn").contains { $0.identity.id == "18d1:9302" })
        }
    }

    static let targetFrigate: JSON = [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "frigate", "namespace": "nvr"],
        "spec": [
            "replicas": 1, "strategy": ["type": "Recreate"], "selector": ["matchLabels": ["app": "frigate"]],
            "template": [
                "metadata": ["labels": ["app": "frigate"]],
                "spec": [
                    "nodeSelector": ["kubernetes.io/hostname": "k3s-vm-still-fawn"],
                    "containers": [["name": "frigate", "image": "ghcr.io/blakeblackshear/frigate:0.14.1"]],
                    "volumes": [["name": "config-file", "configMap": ["name": "frigate-config"]]],
                ],
            ],
        ],
    ]
}
