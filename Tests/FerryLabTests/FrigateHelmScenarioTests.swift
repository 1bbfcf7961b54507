import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The `frigate-helm` scenario: frigate-coral's homelab with Frigate released by the
/// lab's helm-controller from the chart in the GitOps repository.
@Suite("The frigate-helm scenario")
struct FrigateHelmScenarioTests {
    @Test("it starts with the HelmRelease Ready and Frigate Ready on pumped-piglet with the TPU found")
    func startingPoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scenario-\(UUID().uuidString)")
        let lab = try await LabScenario.frigateHelm.start(directory: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let pod = try #require(await FrigateCoralScenarioTests.frigatePod(lab) { $0.isReady })
            #expect(pod["spec"]["nodeName"] == "k3s-vm-pumped-piglet-gpu")
            #expect(await FrigateCoralScenarioTests.log(lab, pod).contains { $0.hasSuffix("TPU found") })

            let release = try await lab.kube.store.get(ObjectKey(ResourceCatalog.helmReleases, namespace: "frigate", name: "frigate"))
            #expect(release.condition("Ready")?["status"] == "True")
            #expect(release.condition("Ready")?["message"] == "Helm install succeeded for release frigate/frigate.v1 with chart frigate@0.3.0")
            #expect(release.labels["kustomize.toolkit.fluxcd.io/name"] == "frigate", "applied by Kustomization frigate")
            #expect(release.labels["kustomize.toolkit.fluxcd.io/namespace"] == "flux-system")
            let deployment = try await lab.kube.store.get(ObjectKey(ResourceCatalog.deployments, namespace: "frigate", name: "frigate"))
            #expect(deployment.labels["helm.toolkit.fluxcd.io/name"] == "frigate")
            #expect(deployment.labels["kustomize.toolkit.fluxcd.io/name"] == nil, "Helm's, not the Kustomization's")
            #expect(deployment["spec"]["template"]["spec"]["nodeSelector"] == ["kubernetes.io/hostname": "k3s-vm-pumped-piglet-gpu"])

            let storage = lab.kube.filesystem.url(node: "k3s-vm-pumped-piglet-gpu", path: LocalPathProvisioner.storageRoot)
            let volumes = try FileManager.default.contentsOfDirectory(atPath: storage.path).sorted()
            #expect(volumes.count == 2)
            let config = try #require(volumes.first { $0.hasSuffix("_frigate_frigate-config") })
            #expect(FileManager.default.fileExists(atPath: storage.appendingPathComponent(config).appendingPathComponent("frigate.db").path))
            let gitops = lab.kube.configuration.directory.appendingPathComponent("gitops")
            #expect(FileManager.default.fileExists(atPath: gitops.appendingPathComponent("charts/frigate/Chart.yaml").path))
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
    }

    /// With the device plugin, the TPU request goes into the HelmRelease's values, and
    /// the chart renders it beside the GPU limit.
    @Test func withTheDevicePluginTheReleaseRequestsTheTPU() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scenario-\(UUID().uuidString)")
        let lab = try await LabScenario.frigateHelm.start(directory: directory, addons: .devicePlugin)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let pod = try #require(await FrigateCoralScenarioTests.frigatePod(lab) { $0.isReady })
            let limits = pod["spec"]["containers"].arrayValue?.first?["resources"]["limits"]
            #expect(limits?[DevicePlugin.resource] != .null, "\(limits ?? .null)")
            #expect(limits?["nvidia.com/gpu"] != .null)
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
    }

    /// The chart with the homelab's values renders what frigate-coral's tree holds (but
    /// the Coral label in the nodeSelector), so the lab's Frigate behaves the same.
    @Test func theChartRendersFrigateCoralsObjects() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("frigate-chart-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, text) in FrigateHelmChart.files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let chart = try HelmChart(directory: directory.appendingPathComponent("charts/frigate"), path: "./charts/frigate")
        let folder = "clusters/homelab/frigate/"
        let valuesMap = try JSON.parseYAML(FrigateHelmManifests.cluster[folder + "values.yaml"]!)
        let release = try JSON.parseYAML(FrigateHelmManifests.cluster[folder + "helmrelease.yaml"]!)
        let values = HelmValues.merge(
            HelmValues.merge(chart.values, try JSON.parseYAML(valuesMap["data"]["values.yaml"].stringValue ?? "")), release["spec"]["values"])
        let rendered = try chart.render(values: values, release: "frigate", namespace: "frigate")
        let coral = try FrigateCoralManifests.files.filter { $0.key.hasPrefix("apps/frigate/") && $0.key != "apps/frigate/kustomization.yaml" }
            .values.flatMap { try JSON.parseYAMLDocuments($0) }

        func find(_ objects: [JSON], _ kind: String, _ name: String) throws -> JSON {
            try #require(objects.first { $0["kind"].stringValue == kind && $0.name == name }, "\(kind) \(name)")
        }
        var coralDeployment = try find(coral, "Deployment", "frigate")
        coralDeployment[path: ["spec", "template", "spec", "nodeSelector", "coral.ai/tpu"]] = nil
        let deployment = try find(rendered, "Deployment", "frigate")
        #expect(deployment["spec"] == coralDeployment["spec"], "\(deployment["spec"].pretty)\n---\n\(coralDeployment["spec"].pretty)")
        #expect(try find(rendered, "Service", "frigate")["spec"] == find(coral, "Service", "frigate")["spec"])
        for claim in ["frigate-config", "frigate-media"] {
            #expect(try find(rendered, "PersistentVolumeClaim", claim)["spec"] == find(coral, "PersistentVolumeClaim", claim)["spec"])
        }
        let config = try JSON.parseYAML(find(rendered, "ConfigMap", "frigate-config")["data"]["config.yml"].stringValue ?? "")
        let coralConfig = try JSON.parseYAML(find(coral, "ConfigMap", "frigate-config")["data"]["config.yml"].stringValue ?? "")
        #expect(config == coralConfig)
        #expect(config["ffmpeg"]["hwaccel_args"] == "preset-nvidia-h264")
        #expect(rendered.count == 5)
    }
}
