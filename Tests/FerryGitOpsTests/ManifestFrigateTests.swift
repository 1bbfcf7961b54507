import FerryJSON
import Testing

@testable import FerryGitOps

/// The migration of docs/PLAN.md, applied to the lab's real Frigate manifests: the
/// diff must be exactly the lines the move needs, every other byte unchanged.
@Suite("Manifest edits on the lab's Frigate manifests")
struct ManifestFrigateTests {
    @Test("the Deployment loses its NVIDIA runtime and GPU limit and is pinned to still-fawn, and nothing else changes")
    func deployment() throws {
        let file = "apps/frigate/deployment.yaml"
        let old = try ManifestFixtures.labManifest(file)
        let new = try ManifestEditor.apply([
            ManifestEdit(path: ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"],
                         operation: .set("k3s-vm-still-fawn")),
            ManifestEdit(path: ["spec", "template", "spec", "runtimeClassName"], operation: .remove),
            ManifestEdit(path: ["spec", "template", "spec", "containers", "name=frigate", "resources", "limits", "nvidia.com/gpu"],
                         operation: .remove),
        ], to: old, file: file)
        #expect(UnifiedDiff.make(old: old, new: new, path: file) == [
            "--- a/apps/frigate/deployment.yaml",
            "+++ b/apps/frigate/deployment.yaml",
            "@@ -20,9 +20,8 @@",
            "       labels:",
            "         app: frigate",
            "     spec:",
            "-      runtimeClassName: nvidia",
            "       nodeSelector:",
            "-        kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu",
            "+        kubernetes.io/hostname: k3s-vm-still-fawn",
            "         coral.ai/tpu: usb",
            "       containers:",
            "         - name: frigate",
            "@@ -41,7 +40,6 @@",
            "               memory: 2Gi",
            "             limits:",
            "               memory: 4Gi",
            "-              nvidia.com/gpu: 1",
            "           volumeMounts:",
            "             - name: config",
            "               mountPath: /config",
            "",
        ].joined(separator: "\n"))
    }

    @Test("the ConfigMap's embedded config.yml switches from NVDEC to VA-API on its one line")
    func configMap() throws {
        let file = "apps/frigate/configmap.yaml"
        let old = try ManifestFixtures.labManifest(file)
        let new = try ManifestEditor.apply([
            ManifestEdit(path: ["data", "config.yml"], operation: .replace(from: "preset-nvidia-h264", to: "preset-vaapi")),
        ], to: old, file: file)
        #expect(UnifiedDiff.make(old: old, new: new, path: file) == [
            "--- a/apps/frigate/configmap.yaml",
            "+++ b/apps/frigate/configmap.yaml",
            "@@ -18,7 +18,7 @@",
            " ",
            "     ffmpeg:",
            "       # NVDEC on the GPU node; change with the node's hardware",
            "-      hwaccel_args: preset-nvidia-h264",
            "+      hwaccel_args: preset-vaapi",
            " ",
            "     cameras:",
            "       driveway:",
            "",
        ].joined(separator: "\n"))
    }
}
