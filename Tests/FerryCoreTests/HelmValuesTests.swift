@testable import FerryCore
import FerryJSON
import Foundation
import Testing

/// What the target needs, said in a HelmRelease's values: in `spec.values` as paths,
/// in a `valuesFrom` ConfigMap as text edits; nothing where no value holds it.
@Suite struct HelmValuesTests {
    static let release = """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: frigate
          namespace: frigate
        spec:
          values:
            nodeSelector:
              kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu   # the Coral's host
            runtimeClassName: nvidia
            resources:
              limits:
                nvidia.com/gpu: 1
                memory: 4Gi
            tolerations:
              - key: gpu
                value: k3s-vm-pumped-piglet-gpu
        """

    static let configMapValues = """
        config: |
          ffmpeg:
            hwaccel_args: preset-nvidia-h264
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
                - matchExpressions:
                    - {key: kubernetes.io/hostname, operator: In, values: [k3s-vm-pumped-piglet-gpu]}
        runtimeClassName: nvidia
        """

    static func values() throws -> HelmValues {
        let release = try JSON.parseYAML(Self.release)
        let configMap: JSON = ["kind": "ConfigMap", "metadata": ["name": "frigate-values"], "data": ["values.yaml": .string(configMapValues)]]
        return HelmValues(release: MigrationPlan.ObjectRef(namespace: "frigate", name: "frigate"), sources: [
            HelmValues.Source(
                document: GitManifest(file: "apps/frigate/values.yaml", documentsInFile: 1, json: configMap),
                place: .text(key: "values.yaml", text: configMapValues), values: try JSON.parseYAML(configMapValues)),
            HelmValues.Source(
                document: GitManifest(file: "apps/frigate/release.yaml", documentsInFile: 1, json: release),
                place: .inline(["spec", "values"]), values: release["spec"]["values"]),
        ])
    }

    @Test("the source node's hostname is set wherever a value holds it, a list item and a values text included")
    func hostname() throws {
        let changes = try Self.values().changes(for: .value(old: "k3s-vm-pumped-piglet-gpu", new: "k3s-vm-still-fawn"))
        #expect(changes == [
            .init(file: "apps/frigate/values.yaml", path: ["data", "values.yaml"], edit: .replace(from: "k3s-vm-pumped-piglet-gpu", to: "k3s-vm-still-fawn")),
            .init(file: "apps/frigate/release.yaml", path: ["spec", "values", "nodeSelector", "kubernetes.io/hostname"], edit: .set("k3s-vm-still-fawn")),
            .init(file: "apps/frigate/release.yaml", path: ["spec", "values", "tolerations", "0", "value"], edit: .set("k3s-vm-still-fawn")),
        ])
    }

    @Test("a key the target cannot satisfy is removed: from spec.values by path, from a values text by its line")
    func keys() throws {
        let values = try Self.values()
        #expect(values.changes(for: .key("runtimeClassName", value: "nvidia")) == [
            .init(file: "apps/frigate/values.yaml", path: ["data", "values.yaml"], edit: .replace(from: "runtimeClassName: nvidia\n", to: "")),
            .init(file: "apps/frigate/release.yaml", path: ["spec", "values", "runtimeClassName"], edit: .remove),
        ])
        #expect(values.changes(for: .key("nvidia.com/gpu", value: nil)) == [
            .init(file: "apps/frigate/release.yaml", path: ["spec", "values", "resources", "limits", "nvidia.com/gpu"], edit: .remove),
        ])
        #expect(values.changes(for: .key("runtimeClassName", value: "kata")).isEmpty)
    }

    @Test("text inside a value (Frigate's config) is replaced where it is")
    func text() throws {
        #expect(try Self.values().changes(for: .text(from: "preset-nvidia-h264", to: "preset-vaapi")) == [
            .init(file: "apps/frigate/values.yaml", path: ["data", "values.yaml"], edit: .replace(from: "preset-nvidia-h264", to: "preset-vaapi")),
        ])
    }

    @Test("a need no value holds gives no edit, so the plan can say what to add")
    func nothing() throws {
        let values = try Self.values()
        #expect(values.changes(for: .value(old: "k3s-vm-pve", new: "k3s-vm-still-fawn")).isEmpty)
        #expect(values.changes(for: .key("amd.com/gpu", value: nil)).isEmpty)
        #expect(values.changes(for: .text(from: "preset-nvidia-h265", to: "preset-vaapi")).isEmpty)
    }

    @Test("a HelmRelease plan names its controller and release; a wrong combination is refused at its field")
    func planFields() throws {
        let helm = PlanFixtures.frigate.replacingOccurrences(
            of: "  kustomization: flux-system/frigate\n",
            with: "  controller: flux-helmrelease\n  kustomization: flux-system/apps\n  helmRelease: frigate/frigate\n")
        let plan = try PlanParser.parse(helm, file: "migration.yaml")
        #expect(plan.gitops?.controller == .fluxHelmRelease)
        #expect(plan.gitops?.helmRelease == MigrationPlan.ObjectRef(namespace: "frigate", name: "frigate"))
        #expect(plan.gitops?.pause == .helmRelease)
        #expect(plan.yaml.contains("  controller: flux-helmrelease\n  kustomization: flux-system/apps\n  helmRelease: frigate/frigate\n"))
        #expect(try PlanParser.parse(plan.yaml, file: "migration.yaml") == plan)

        func problems(_ text: String) -> [String] {
            do {
                _ = try PlanParser.parse(text, file: "migration.yaml")
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
        let noRelease = helm.replacingOccurrences(of: "  helmRelease: frigate/frigate\n", with: "")
        #expect(problems(noRelease).contains { $0.contains("gitops") && $0.contains("helmRelease") })
        let noController = helm.replacingOccurrences(of: "  controller: flux-helmrelease\n", with: "")
        #expect(problems(noController).contains {
            $0.contains("gitops.helmRelease") && $0.contains("a helmRelease is named, but the controller is flux-kustomization")
        })
        let objects = helm.replacingOccurrences(of: "  helmRelease: frigate/frigate\n", with: "  helmRelease: frigate/frigate\n  pause: objects\n")
        #expect(problems(objects).contains { $0.contains("gitops.pause") && $0.contains("a HelmRelease is paused whole") })
        let argo = helm.replacingOccurrences(of: "flux-helmrelease", with: "argocd-application")
        #expect(problems(argo).contains { $0.contains("gitops.controller") && $0.contains("flux-kustomization, flux-helmrelease") })
    }

    @Test("a values file a configMapGenerator reads is found from the kustomization and edited by path")
    func generatedValues() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-gen-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let app = root.appendingPathComponent("apps/frigate")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        try Data("""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: frigate
            resources:
              - ./helmrelease.yaml
            configMapGenerator:
              - name: frigate-values
                files:
                  - values.yaml=./helm-values.yaml
              - name: frigate-extra
                files:
                  - ../../../outside.yaml
                  - ./extra.yaml
            configurations:
              - ./kustomizeconfig.yaml

            """.utf8).write(to: app.appendingPathComponent("kustomization.yaml"))
        try Data(Self.release.utf8).write(to: app.appendingPathComponent("helmrelease.yaml"))
        let valuesText = "nodeSelector:\n  kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu\n"
        try Data(valuesText.utf8).write(to: app.appendingPathComponent("helm-values.yaml"))

        let scan = ManifestScan.documents(repository: root, path: "apps/frigate")
        #expect(scan.unreadable.isEmpty, "\(scan.unreadable)")
        let generated = try #require(scan.generatedConfigMaps.first)
        #expect(generated.name == "frigate-values" && generated.namespace == "frigate" && generated.kustomization == "apps/frigate/kustomization.yaml")
        #expect(generated.files.map { "\($0.key)=\($0.file)" } == ["values.yaml=apps/frigate/helm-values.yaml"])
        #expect(scan.generatedConfigMaps[1].files.map(\.key) == ["extra.yaml"], "a file outside the root is left out")

        let values = try JSON.parseYAML(valuesText)
        let helm = HelmValues(release: MigrationPlan.ObjectRef(namespace: "frigate", name: "frigate"), sources: [
            HelmValues.Source(
                document: GitManifest(file: "apps/frigate/helm-values.yaml", documentsInFile: 1, json: values),
                place: .file(configMap: "frigate-values"), values: values),
        ])
        #expect(helm.changes(for: .value(old: "k3s-vm-pumped-piglet-gpu", new: "k3s-vm-still-fawn")) == [
            .init(file: "apps/frigate/helm-values.yaml", path: ["nodeSelector", "kubernetes.io/hostname"], edit: .set("k3s-vm-still-fawn")),
        ])
        #expect(helm.sources[0].description == "apps/frigate/helm-values.yaml (generated into ConfigMap frigate-values, valuesFrom)")
    }
}
