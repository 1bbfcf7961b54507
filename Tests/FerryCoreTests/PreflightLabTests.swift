import FerryCore
import FerryLab
import FerryRemote
import Foundation
import Testing

/// `ferry check` against the frigate-coral lab: the reference plan passes (through
/// the guest agent, since SSH to k3s-vm-still-fawn is refused there), and each broken
/// precondition fails on its own line with its fix, leaving every other check passing.
@Suite("Pre-flight checks against the lab")
struct PreflightLabTests {
    @Test("the reference plan passes, reaching the target VM through the guest agent")
    func referencePlanPasses() async throws {
        try await PreflightLab.with { lab in
            let report = try await lab.check()
            #expect(report.failed == [], "\(report.table)")
            // VM 108 cannot hot-plug USB in the scenario: it reboots (HotplugMigrationTests).
            #expect(report.warned == ["hotplug VM 108"], "\(report.table)")
            #expect(!report.blocks)
            #expect(report.targetAccess == .guestAgent)
            let access = try #require(report.result("vm-access k3s-vm-still-fawn"))
            #expect(access.status == .pass)
            #expect(access.reason.contains("guest agent"))
            #expect(report.result("device coral")?.reason.contains("will be on still-fawn after the physical move") == true)
            #expect(report.result("volume frigate-config")?.reason.contains("copied to k3s-vm-still-fawn") == true)
            #expect(report.result("volume frigate-media")?.status == .pass)
            #expect(report.result("secret frigate-credentials")?.status == .pass)
            #expect(report.result("configmap frigate-config")?.status == .pass)
            #expect(report.result("passthrough-slots VM 108")?.reason.contains("usb0, usb1") == true)
            #expect(report.result("dev-dri k3s-vm-still-fawn")?.status == .pass)
            #expect(report.result("target-node k3s-vm-still-fawn")?.status == .pass)
            #expect(report.result("resources k3s-vm-still-fawn")?.status == .pass)
            #expect(report.result("flux Kustomization flux-system/frigate")?.status == .pass)
            #expect(report.result("flux GitRepository flux-system/flux-system")?.status == .pass)
            #expect(report.result("git clean")?.status == .pass)
            #expect(report.result("git remote")?.status == .pass)
            #expect(report.result("manifests")?.status == .pass, "the plan's edits apply to the clone's files")
            #expect(report.result("credentials kubernetes")?.status == .pass)
            #expect(report.result("credentials proxmox")?.status == .pass)
        }
    }

    @Test("SSH refused and no guest agent: vm-access fails, naming both, and nothing can run in the VM")
    func noWayIntoTheVM() async throws {
        try await PreflightLab.with { lab in
            await lab.homelab.updateFaults { $0.guestAgentAbsent.insert(108) }
            let report = try await lab.check()
            #expect(report.failed == ["vm-access k3s-vm-still-fawn", "dev-dri k3s-vm-still-fawn"], "\(report.table)")
            #expect(report.targetAccess == nil)
            let access = try #require(report.result("vm-access k3s-vm-still-fawn"))
            #expect(access.reason.contains("ssh:"))
            #expect(access.reason.contains("guest-agent:"))
            #expect(access.fix?.contains("systemctl start qemu-guest-agent") == true)
            #expect(access.fix?.contains("qm set 108 --agent enabled=1") == true)
        }
    }

    @Test("the Coral on neither host fails with where to plug it")
    func deviceMissing() async throws {
        try await PreflightLab.with { lab in
            await lab.homelab.updateFaults { $0.missingDevices.insert("coral") }
            let report = try await lab.check()
            #expect(report.failed == ["device coral"], "\(report.table)")
            let device = try #require(report.result("device coral"))
            #expect(device.reason.contains("plugged into neither still-fawn nor pumped-piglet"))
            #expect(device.fix?.hasPrefix("plug coral into still-fawn or pumped-piglet") == true)
        }
    }

    @Test("a cordoned target node fails with kubectl uncordon")
    func cordoned() async throws {
        try await PreflightLab.with { lab in
            try await lab.cordonTarget()
            let report = try await lab.check()
            #expect(report.failed == ["target-node k3s-vm-still-fawn"], "\(report.table)")
            #expect(report.result("target-node k3s-vm-still-fawn")?.fix == "kubectl uncordon k3s-vm-still-fawn")
        }
    }

    @Test("a suspended Kustomization fails with flux resume")
    func suspendedKustomization() async throws {
        try await PreflightLab.with { lab in
            try await lab.suspendKustomization()
            let report = try await lab.check()
            #expect(report.failed == ["flux Kustomization flux-system/frigate"], "\(report.table)")
            let flux = try #require(report.result("flux Kustomization flux-system/frigate"))
            #expect(flux.reason.contains("is suspended"))
            #expect(flux.fix?.hasPrefix("flux resume kustomization frigate -n flux-system") == true)
        }
    }

    @Test("a Kustomization that is not Ready fails with Flux's message")
    func failingKustomization() async throws {
        try await PreflightLab.with { lab in
            try await lab.breakKustomization()
            let report = try await lab.check()
            #expect(report.failed == ["flux Kustomization flux-system/frigate"], "\(report.table)")
            let flux = try #require(report.result("flux Kustomization flux-system/frigate"))
            #expect(flux.reason.contains("is not Ready (ArtifactFailed)"))
            #expect(flux.reason.contains("apps/frigatte"))
            #expect(flux.fix?.contains("flux reconcile kustomization frigate -n flux-system --with-source") == true)
        }
    }

    @Test("a Secret the pod references, gone from the cluster, fails without its values being read")
    func secretDeleted() async throws {
        try await PreflightLab.with { lab in
            try await lab.deleteSecretThroughGit()
            let report = try await lab.check()
            #expect(report.failed == ["secret frigate-credentials"], "\(report.table)")
            let secret = try #require(report.result("secret frigate-credentials"))
            #expect(secret.reason.contains("envFrom of container frigate"))
            #expect(secret.fix?.contains("restore it in Git") == true)
        }
    }

    @Test("uncommitted changes in the clone fail with git stash")
    func dirtyClone() async throws {
        try await PreflightLab.with { lab in
            try lab.dirtyTheClone()
            let report = try await lab.check()
            #expect(report.failed == ["git clean"], "\(report.table)")
            let git = try #require(report.result("git clean"))
            #expect(git.reason.contains("2 uncommitted changes (M apps/frigate/deployment.yaml, ?? notes.txt)"))
            #expect(git.fix == "git -C \(lab.clone.path) stash -u (or commit them), then run ferry check again")
        }
    }

    @Test("a manifest that is a symlink out of the clone fails with where it points, before a run could write outside the clone")
    func symlinkedManifest() async throws {
        try await PreflightLab.with { lab in
            let file = lab.clone.appendingPathComponent("apps/frigate/deployment.yaml")
            let outside = lab.clone.deletingLastPathComponent().appendingPathComponent("outside-deployment.yaml")
            try FileManager.default.moveItem(at: file, to: outside)
            try FileManager.default.createSymbolicLink(at: file, withDestinationURL: outside)
            let report = try await lab.check()
            let manifest = try #require(report.result("manifest apps/frigate/deployment.yaml"), "\(report.table)")
            #expect(manifest.status == .fail)
            #expect(manifest.reason == "apps/frigate/deployment.yaml is a symlink to \(outside.path): ferry edits and commits files inside the clone only")
            #expect(manifest.fix?.hasPrefix("replace the link with the file it points to") == true)
            #expect(report.blocks)
        }
    }

    @Test("keep on a node-bound volume fails; discard warns that the data will be lost")
    func volumeActions() async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.volumes = [.init(claim: "frigate-config", action: .keep), .init(claim: "frigate-media", action: .discard)]
            let report = try await lab.check(plan)
            #expect(report.failed == ["volume frigate-config"], "\(report.table)")
            #expect(report.warned == ["volume frigate-media", "hotplug VM 108"])
            #expect(report.result("volume frigate-config")?.fix == "set volumes[0].action: move (copy the data), or discard to recreate it empty")
            #expect(report.result("volume frigate-media")?.reason.contains("its data will be lost") == true)

            plan.volumes = [.init(claim: "frigate-config")]
            let forgotten = try await lab.check(plan)
            #expect(forgotten.failed == ["volumes"], "\(forgotten.table)")
            #expect(forgotten.result("volumes")?.fix == "add to volumes: {claim: frigate-media, action: move}")
        }
    }

    @Test("without a gitops section Flux and Git are skipped, and the unchanged pod's NVIDIA needs fail on the target")
    func noGitOps() async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.gitops = nil
            plan.manifestChanges = []
            let report = try await lab.check(plan)
            #expect(report.results.filter { $0.status == .skip }.map(\.check) == ["flux", "git"], "\(report.table)")
            #expect(report.failed == ["runtime-class nvidia", "resources k3s-vm-still-fawn"], "\(report.table)")
            #expect(report.result("resources k3s-vm-still-fawn")?.reason.contains("nvidia.com/gpu 1 (free 0 of 0)") == true)
            #expect(report.result("dev-dri k3s-vm-still-fawn") == nil)
        }
    }
}
