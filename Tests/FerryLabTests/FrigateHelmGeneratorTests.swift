import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The frigate-helm scenario's repository rewritten to the layout of the common Flux
/// cluster templates: the values ConfigMap made by a configMapGenerator over
/// `helm-values.yaml`, and the HelmRelease's `valuesFrom` rewritten to the hashed name
/// through a `configurations:` file.
@Suite("The frigate-helm scenario with a values generator")
struct FrigateHelmGeneratorTests {
    static let folder = "clusters/homelab/frigate/"

    static let kustomization = """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: frigate
        resources:
          - namespace.yaml
          - secret.yaml
          - helmrelease.yaml
        configMapGenerator:
          - name: frigate-values
            files:
              - values.yaml=./helm-values.yaml
        configurations:
          - ./kustomizeconfig.yaml

        """

    static let kustomizeConfig = """
        nameReference:
          - kind: ConfigMap
            version: v1
            fieldSpecs:
              - path: spec/valuesFrom/name
                kind: HelmRelease

        """

    /// The name kustomize gives the generated ConfigMap for `values`.
    static func hashedName(_ values: String) -> String {
        "frigate-values-" + KustomizeHasher.suffix(of: [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "frigate-values"], "data": ["values.yaml": .string(values)],
        ])
    }

    @Test func theGeneratedValuesAreReleasedAndAValuesChangeUpgradesAndPrunesTheOldConfigMap() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-generator-\(UUID().uuidString)")
        let lab = try await LabScenario.frigateHelm.start(directory: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try #require(await FrigateCoralScenarioTests.frigatePod(lab) { $0.isReady } != nil)
            let valuesMap = try JSON.parseYAML(try #require(FrigateHelmManifests.cluster[Self.folder + "values.yaml"]))
            let values = try #require(valuesMap["data"]["values.yaml"].stringValue)

            let first = Self.hashedName(values)
            try await push(lab, directory, [
                Self.folder + "kustomization.yaml": Self.kustomization,
                Self.folder + "kustomizeconfig.yaml": Self.kustomizeConfig,
                Self.folder + "helm-values.yaml": values,
                Self.folder + "values.yaml": nil,
            ], message: "frigate: values from a configMapGenerator")
            var release = try await released(lab, valuesFrom: first)
            #expect(release["status"]["history"].arrayValue?.count == 1, "the same values: no new release")
            let generated = try #require(await lab.kube.store.find(ObjectKey(ResourceCatalog.configMaps, namespace: "frigate", name: first)))
            #expect(generated["data"]["values.yaml"] == .string(values))
            #expect(generated.labels["kustomize.toolkit.fluxcd.io/name"] == "frigate")
            #expect(try await gone(lab, "frigate-values"), "the hand-written ConfigMap left Git and is pruned")
            try #require(await FrigateCoralScenarioTests.frigatePod(lab) { $0.isReady } != nil)

            let changed = values.replacingOccurrences(of: "days: 7", with: "days: 14")
            #expect(changed != values)
            let second = Self.hashedName(changed)
            #expect(second != first)
            try await push(lab, directory, [Self.folder + "helm-values.yaml": changed], message: "frigate: keep recordings 14 days")
            release = try await released(lab, valuesFrom: second)
            #expect(release["status"]["history"].arrayValue?.first?["version"] == 2)
            #expect(release.condition("Ready")?["reason"] == "UpgradeSucceeded")
            #expect(try await gone(lab, first), "the old generated ConfigMap is pruned")
            let config = try #require(await lab.kube.store.find(ObjectKey(ResourceCatalog.configMaps, namespace: "frigate", name: "frigate-config")))
            #expect((config["data"]["config.yml"].stringValue ?? "").contains("days: 14"), "the chart rendered the new values")
            try #require(await FrigateCoralScenarioTests.frigatePod(lab) { $0.isReady } != nil, "Frigate still Ready")
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
    }

    /// Commits and pushes in the scenario's clone, then asks Flux for
    /// `flux reconcile kustomization frigate --with-source`.
    private func push(_ lab: Lab, _ directory: URL, _ files: [String: String?], message: String) async throws {
        let repository = GitOpsRepository.existing(in: directory)
        try repository.write(files)
        _ = try await repository.commitAll(message)
        try await repository.push()
        let token = "request-\(UUID().uuidString.prefix(8))"
        for key in [
            ObjectKey(ResourceCatalog.gitRepositories, namespace: "flux-system", name: "flux-system"),
            ObjectKey(ResourceCatalog.kustomizations, namespace: "flux-system", name: "frigate"),
        ] {
            await lab.kube.store.modify(key) { $0[path: ["metadata", "annotations", FluxStatus.requestedAtAnnotation]] = .string(token) }
        }
    }

    /// Waits until HelmRelease frigate/frigate reads `name` and has released that generation.
    private func released(_ lab: Lab, valuesFrom name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let found = await lab.kube.waitUntil(ResourceCatalog.helmReleases, namespace: "frigate", timeout: .seconds(40)) { list in
            list.first {
                $0.name == "frigate" && $0["spec"]["valuesFrom"].arrayValue?.first?["name"] == .string(name)
                    && $0["status"]["observedGeneration"] == $0["metadata"]["generation"] && $0.isReady
            }
        }
        let last = await lab.kube.store.find(ObjectKey(ResourceCatalog.helmReleases, namespace: "frigate", name: "frigate"))
        return try #require(found, "HelmRelease frigate/frigate released with \(name); last seen: \(last?.pretty ?? "absent")",
                            sourceLocation: sourceLocation)
    }

    private func gone(_ lab: Lab, _ name: String) async throws -> Bool {
        let absent = await lab.kube.waitUntil(ResourceCatalog.configMaps, namespace: "frigate", timeout: .seconds(20)) { list in
            list.contains { $0.name == name } ? nil : true
        }
        return absent == true
    }
}
