import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

@testable import FerryCore

/// A workload that no GitOps tool applies (`kubectl apply`): nothing would bring it
/// back after the scale-down, so ferry edits the live objects itself, scales back,
/// and rollback puts back what it found.
@Suite(.serialized) struct LiveEditTests {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"

    @Test("a path's keys, list items by name and index; set keeps a number a number; restore puts back what was, or nothing")
    func editsByPath() throws {
        var pod: JSON = [
            "spec": ["replicas": 1, "containers": [["name": "frigate", "resources": ["limits": ["nvidia.com/gpu": "1", "cpu": "2"]]]]],
        ]
        let original = pod
        let gpu = ["spec", "containers", "name=frigate", "resources", "limits", "nvidia.com/gpu"]
        let before = LiveEdit.value(at: gpu, in: pod)
        let pin = ["spec", "nodeSelector", "kubernetes.io/hostname"]
        #expect(LiveEdit.existingDepth(of: pin, in: pod) == 2, "spec is there, nodeSelector is not")
        LiveEdit.apply(.remove, at: gpu, to: &pod)
        LiveEdit.apply(.set("3"), at: ["spec", "replicas"], to: &pod)
        LiveEdit.apply(.set("k3s-vm-still-fawn"), at: ["spec", "nodeSelector", "kubernetes.io/hostname"], to: &pod)
        #expect(LiveEdit.value(at: ["spec", "containers", "0", "resources", "limits"], in: pod) == ["cpu": "2"])
        #expect(pod["spec"]["replicas"] == 3, "a number stays a number")
        #expect(LiveEdit.value(at: ["spec", "containers", "0", "name"], in: pod) == "frigate")
        #expect(pod["spec"]["nodeSelector"]["kubernetes.io/hostname"] == "k3s-vm-still-fawn")

        LiveEdit.restore(nil, at: Array(pin.prefix(2)), in: &pod)
        LiveEdit.restore(.int(1), at: ["spec", "replicas"], in: &pod)
        LiveEdit.restore(before, at: gpu, in: &pod)
        #expect(pod == original, "nothing left of the edits, not even an empty nodeSelector")
        #expect(LiveEdit.value(at: ["spec", "containers", "name=other"], in: pod) == nil)
    }

    @Test("liveChanges: written for a plan without gitops, read back; refused beside gitops and for a kind ferry does not edit")
    func planSection() throws {
        var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        plan.gitops = nil
        plan.manifestChanges = []
        plan.liveChanges = [
            MigrationPlan.LiveChange(
                object: MigrationPlan.LiveObject(kind: .deployment, name: "frigate"),
                path: ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"], edit: .set("k3s-vm-still-fawn")),
            MigrationPlan.LiveChange(
                object: MigrationPlan.LiveObject(kind: .configMap, name: "frigate-config"),
                path: ["data", "config.yml"], edit: .replace(from: "preset-nvidia-h264", to: "preset-vaapi")),
        ]
        let yaml = plan.yaml
        #expect(yaml.contains("liveChanges:\n  - object: Deployment/frigate\n    path: [spec, template, spec, nodeSelector, kubernetes.io/hostname]\n"))
        #expect(try PlanParser.parse(yaml, file: "plan.yaml").liveChanges == plan.liveChanges)

        let beside = PlanFixtures.frigate + "liveChanges:\n  - object: Deployment/frigate\n    path: [spec, replicas]\n    set: \"1\"\n"
        #expect {
            try PlanParser.parse(beside, file: "plan.yaml")
        } throws: { error in
            "\(error)".contains("plan.yaml:\(beside.split(separator: "\n", omittingEmptySubsequences: false).count - 4):1: liveChanges: live changes are for a workload without GitOps")
        }
        let secret = yaml.replacingOccurrences(of: "object: Deployment/frigate", with: "object: Secret/frigate-credentials")
        #expect {
            try PlanParser.parse(secret, file: "plan.yaml")
        } throws: { error in
            "\(error)".contains("\"Secret/frigate-credentials\" is not an object ferry edits live")
                && "\(error)".contains("KIND one of Deployment, StatefulSet, CronJob, ConfigMap")
        }
    }

    @Test("a Deployment applied with kubectl: planned as live edits, checked, moved with the pin, runtime class and preset edited live, and all of it put back by rollback")
    func workloadWithoutGitOps() async throws {
        try await PreflightLab.with { lab in
            try await Self.takeAwayFromFlux(lab)

            let discovered = try await PlanDiscovery(connections: lab.connections).discover(
                PlanRequest(namespace: "frigate", name: "frigate", targetNode: Self.target, repo: lab.clone, workingDirectory: lab.directory))
            var plan = discovered.plan
            #expect(plan.gitops == nil && plan.manifestChanges.isEmpty)
            let hostname = ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"]
            #expect(plan.liveChanges.contains(MigrationPlan.LiveChange(
                object: MigrationPlan.LiveObject(kind: .deployment, name: "frigate"), path: hostname, edit: .set(Self.target))))
            #expect(plan.liveChanges.contains { $0.path == ["spec", "template", "spec", "runtimeClassName"] && $0.edit == .remove })
            #expect(discovered.yaml.contains("# the nodeSelector pins it to kubernetes.io/hostname=\(Self.source)"), "\(discovered.yaml)")
            #expect(try PlanParser.parse(discovered.yaml, file: "plan.yaml").liveChanges == plan.liveChanges)
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }

            let report = try await lab.check(plan)
            #expect(report.result("live objects")?.status == .pass, "\(report.results)")
            #expect(!report.results.contains { $0.status == .fail }, "\(report.results.filter { $0.status == .fail })")

            let (planFile, steps) = try lab.migration(plan)
            #expect(steps.contains { $0.id == "edit-live" } && !steps.contains { $0.id == "suspend-flux" })
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed, "\(journal.entries.map { "\($0.step): \($0.status) \($0.error ?? "")" })")

            let moved = try await lab.kube.get(.deployments, "frigate", namespace: "frigate")
            #expect(moved["spec"]["replicas"] == 1, "scaled back as it was")
            #expect(LiveEdit.value(at: hostname, in: moved) == .string(Self.target))
            #expect(moved["spec"]["template"]["spec"]["runtimeClassName"].isNull)
            let pods = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(pods.filter(\.isReady).map(\.nodeName) == [Self.target])

            let back = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .rollback(steps, migration: plan.name)
            #expect(back.status == .rolledBack)
            let restored = try await lab.kube.get(.deployments, "frigate", namespace: "frigate")
            #expect(LiveEdit.value(at: hostname, in: restored) == .string(Self.source))
            #expect(restored["spec"]["template"]["spec"]["runtimeClassName"] == "nvidia")
            #expect(restored["spec"]["replicas"] == 1)
            let config = try await lab.kube.get(.configMaps, "frigate-config", namespace: "frigate")
            #expect(config["data"]["config.yml"].stringValue?.contains("preset-nvidia-h264") == true)
            let home = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(home.filter(\.isReady).map(\.nodeName) == [Self.source])

            // Labelled as rendered by a Flux HelmRelease that does not exist: refused, as
            // for a missing Kustomization.
            try await lab.kube.patch(.deployments, "frigate", namespace: "frigate", [
                "metadata": ["labels": ["helm.toolkit.fluxcd.io/name": "frigate", "helm.toolkit.fluxcd.io/namespace": "frigate"]],
            ])
            let request = PlanRequest(namespace: "frigate", name: "frigate", targetNode: Self.target, repo: lab.clone, workingDirectory: lab.directory)
            await #expect {
                try await PlanDiscovery(connections: lab.connections).discover(request)
            } throws: { error in
                "\(error)".contains("Deployment frigate/frigate is labelled as rendered by Flux HelmRelease frigate/frigate, which does not exist")
            }
            // One that no Kustomization applies: nothing in Git reaches it, so the edits
            // are live, and the plan says helm-controller would put them back.
            let release: JSON = [
                "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": ["name": "frigate", "namespace": "frigate"],
                "spec": ["interval": "10m", "suspend": true, "chart": ["spec": ["chart": "./charts/frigate", "sourceRef": ["kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"]]]],
            ]
            _ = try await lab.kube.create(.helmReleases, release, namespace: "frigate")
            let charted = try await PlanDiscovery(connections: lab.connections).discover(request)
            #expect(charted.yaml.contains(
                "# WARNING: Flux HelmRelease frigate/frigate renders deployment/frigate, and no Kustomization applies the HelmRelease from Git"),
                    "\(charted.yaml)")
        }
    }

    /// Frigate as `kubectl apply` leaves it: Flux stopped (the root suspended, Frigate's
    /// Kustomization deleted) and no Flux label on its objects.
    static func takeAwayFromFlux(_ lab: PreflightLab) async throws {
        try await lab.kube.patch(.kustomizations, "flux-system", namespace: "flux-system", ["spec": ["suspend": true]])
        try await lab.kube.delete(.kustomizations, "frigate", namespace: "flux-system")
        let unlabel: JSON = ["metadata": ["labels": ["kustomize.toolkit.fluxcd.io/name": .null, "kustomize.toolkit.fluxcd.io/namespace": .null]]]
        for type in [ResourceType.deployments, .persistentVolumeClaims, .configMaps, .secrets] {
            for object in try await lab.kube.list(type, namespace: "frigate").items where object.labels["kustomize.toolkit.fluxcd.io/name"] != nil {
                try await lab.kube.patch(type, object["metadata"]["name"].stringValue ?? "", namespace: "frigate", unlabel)
            }
        }
    }
}
