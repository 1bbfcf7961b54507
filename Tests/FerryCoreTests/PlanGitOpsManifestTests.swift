import FerryGitOps
import Testing

@testable import FerryCore
@testable import FerryLab

/// docs/PLAN.md's example plan, read by the parser, applied to the manifests the lab's
/// GitOps repository starts with: the diff is the move's lines and nothing else.
@Suite("Plan gitops: the example's manifest changes on the lab's manifests")
struct PlanGitOpsManifestTests {
    @Test("only the needed lines change")
    func exampleChanges() throws {
        let plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        var changed: [String] = []
        for (file, edits) in plan.manifestEditsByFile {
            let old = try #require(FrigateCoralManifests.files[file])
            let new = try ManifestEditor.apply(edits, to: old, file: file)
            changed += UnifiedDiff.make(old: old, new: new, path: file).split(separator: "\n").map(String.init)
                .filter { ($0.hasPrefix("-") || $0.hasPrefix("+")) && !$0.hasPrefix("---") && !$0.hasPrefix("+++") }
        }
        #expect(changed == [
            "-      runtimeClassName: nvidia",
            "-        kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu",
            "+        kubernetes.io/hostname: k3s-vm-still-fawn",
            "-              nvidia.com/gpu: 1",
            "-      hwaccel_args: preset-nvidia-h264",
            "+      hwaccel_args: preset-vaapi",
        ])
    }
}
