import FerryJSON
import Foundation

/// Sets up the `frigate-helm` scenario on a fresh lab: frigate-coral's homelab and
/// Frigate, but released by helm-controller from the chart in the GitOps repository
/// (`charts/frigate`), with the node, runtime and GPU in the HelmRelease's values and
/// Frigate's config in a values ConfigMap. Frigate comes up Ready on pumped-piglet with
/// the Coral (`TPU found`) and files in its two volumes.
enum FrigateHelmScenario {
    static func seed(_ lab: Lab, directory: URL) async throws {
        let kube = lab.kube
        var files = FrigateHelmManifests.files
        if lab.homelab?.addons.contains(.devicePlugin) == true {
            files = FrigateCoralScenario.requestingTheTPU(files, in: "clusters/homelab/frigate/helmrelease.yaml")
        }
        let repository = try await GitOpsRepository.create(
            in: directory, files: files, message: "frigate: chart and release, Coral TPU on pumped-piglet")
        try await FrigateCoralScenario.labelTheCoralNode(lab)
        try await FrigateCoralScenario.bootstrapFlux(kube, repository: repository)
        try await FrigateCoralScenario.waitForFrigate(kube, scenario: "frigate-helm")
        try await FrigateCoralScenario.writeVolumeData(kube)
    }
}
