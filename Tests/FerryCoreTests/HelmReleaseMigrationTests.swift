import FerryCore
import FerryGitOps
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// Frigate released by a Flux HelmRelease (the frigate-helm scenario): ferry edits the
/// release's values in Git, never the chart, keeps helm-controller off the workload
/// while it moves, and leaves the release resumed and released, or as it was after a
/// rollback.
@Suite(.serialized) struct HelmReleaseMigrationTests {
    static let target = "k3s-vm-still-fawn"
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let release = MigrationPlan.ObjectRef(namespace: "frigate", name: "frigate")

    static func discover(_ lab: PreflightLab) async throws -> (yaml: String, plan: MigrationPlan) {
        let discovered = try await PlanDiscovery(connections: lab.connections).discover(PlanRequest(
            namespace: "frigate", name: "frigate", targetNode: target, repo: lab.clone, workingDirectory: lab.directory))
        var plan = try PlanParser.parse(discovered.yaml, file: "migration.yaml")
        plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
        return (discovered.yaml, plan)
    }

    static func helmRelease(_ lab: PreflightLab) async throws -> JSON {
        try await lab.kube.get(.helmReleases, release.name, namespace: release.namespace)
    }

    static func frigatePod(_ lab: PreflightLab) async throws -> Pod? {
        try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:)).first { $0.isReady }
    }

    @Test("frigate-helm: the values move Frigate to still-fawn with the Coral, the chart is untouched, the release is resumed; rollback restores it")
    func moveAndRollBack() async throws {
        try await PreflightLab.with(.frigateHelm) { lab in
            let (yaml, plan) = try await Self.discover(lab)
            let gitops = try #require(plan.gitops, "\(yaml)")
            #expect(gitops.controller == .fluxHelmRelease)
            #expect(gitops.helmRelease == Self.release)
            #expect(gitops.pause == .helmRelease)
            #expect(gitops.kustomization == MigrationPlan.ObjectRef(name: "frigate"))
            #expect(gitops.files == ["clusters/homelab/frigate/helmrelease.yaml", "clusters/homelab/frigate/values.yaml"], "\(yaml)")
            let release = "clusters/homelab/frigate/helmrelease.yaml"
            #expect(plan.manifestChanges == [
                .init(file: release, path: ["spec", "values", "nodeSelector", "kubernetes.io/hostname"], edit: .set(Self.target)),
                .init(file: release, path: ["spec", "values", "runtimeClassName"], edit: .remove),
                .init(file: release, path: ["spec", "values", "resources", "limits", "nvidia.com/gpu"], edit: .remove),
                .init(file: "clusters/homelab/frigate/values.yaml", path: ["data", "values.yaml"],
                      edit: .replace(from: "preset-nvidia-h264", to: "preset-vaapi")),
            ], "\(yaml)")

            let report = try await lab.check(plan)
            #expect(!report.blocks, "\(report.table)")
            #expect(report.results.first { $0.check == "flux HelmRelease frigate/frigate" }?.status == .pass, "\(report.table)")

            let (planFile, steps) = try lab.migration(plan)
            #expect(steps.first { $0.id == "suspend-flux" }?.title == "Suspend Flux HelmRelease frigate/frigate")
            let hands = LabHands(homelab: lab.homelab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            let journal = try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            try #require(journal.status == .completed)

            let pod = try #require(try await Self.frigatePod(lab))
            #expect(pod.nodeName == Self.target)
            let log = try await lab.kube.logs(pod: pod.name, namespace: "frigate", container: "frigate")
            #expect(log.contains("TPU found"), "\(log)")
            let moved = try await Self.helmRelease(lab)
            #expect(moved["spec"]["suspend"].boolValue != true)
            #expect(moved["metadata"]["annotations"]["ferry.dev/suspended-by"].isNull)
            #expect(moved["status"]["history"].arrayValue?.first?["status"].stringValue == "deployed", "\(moved["status"])")
            #expect(moved["spec"]["values"]["nodeSelector"]["kubernetes.io/hostname"].stringValue == Self.target)
            let git = GitRepository(directory: lab.clone)
            let changed = try await git.git(["show", "--name-only", "--format=", "HEAD"]).split(separator: "\n").map(String.init)
            #expect(changed == ["clusters/homelab/frigate/helmrelease.yaml", "clusters/homelab/frigate/values.yaml"])

            let record = try await MigrationReport.make(plan: plan, planFile: planFile, planText: plan.yaml, journal: journal).markdown()
            #expect(record.contains("HelmRelease `frigate/frigate`: suspended at "), "\(record)")
            #expect(record.contains("flux suspend helmrelease frigate -n frigate"), "\(record)")

            let undone = try await runner.rollback(steps, migration: plan.name)
            #expect(undone.status == .rolledBack)
            let back = try #require(try await Self.frigatePod(lab))
            #expect(back.nodeName == Self.source)
            let restored = try await Self.helmRelease(lab)
            #expect(restored["spec"]["suspend"].boolValue != true)
            #expect(restored["spec"]["values"]["nodeSelector"]["kubernetes.io/hostname"].stringValue == Self.source)
            #expect(restored["spec"]["values"]["runtimeClassName"].stringValue == "nvidia")
            #expect(restored["status"]["history"].arrayValue?.first?["status"].stringValue == "deployed")
        }
    }

    /// The layout of the common Flux cluster templates: the values in a plain file a
    /// `configMapGenerator` reads, the HelmRelease's reference rewritten to the hashed
    /// name by a `configurations` nameReference. ferry edits that file.
    @Test("values in a file a configMapGenerator reads: planned and edited there, and the move completes")
    func generatedValues() async throws {
        try await PreflightLab.with(.frigateHelm) { lab in
            let directory = lab.clone.appendingPathComponent("clusters/homelab/frigate")
            let configMap = try JSON.parseYAML(String(contentsOf: directory.appendingPathComponent("values.yaml"), encoding: .utf8))
            let values = try #require(configMap["data"]["values.yaml"].stringValue)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("values.yaml"))
            try Data(("# Frigate's config.yml, as values of the chart.\n" + values).utf8).write(to: directory.appendingPathComponent("helm-values.yaml"))
            try Data("""
                nameReference:
                  - kind: ConfigMap
                    version: v1
                    fieldSpecs:
                      - path: spec/valuesFrom/name
                        kind: HelmRelease

                """.utf8).write(to: directory.appendingPathComponent("kustomizeconfig.yaml"))
            let kustomization = directory.appendingPathComponent("kustomization.yaml")
            var text = try String(contentsOf: kustomization, encoding: .utf8)
            #expect(text.contains("  - values.yaml\n"))
            text = text.replacingOccurrences(of: "  - values.yaml\n", with: "") + """
                namespace: frigate
                configMapGenerator:
                  - name: frigate-values
                    files:
                      - values.yaml=./helm-values.yaml
                configurations:
                  - ./kustomizeconfig.yaml

                """
            try Data(text.utf8).write(to: kustomization)
            let git = GitRepository(directory: lab.clone)
            _ = try await git.git(["add", "-A"])
            _ = try await git.git(["commit", "-qm", "frigate: values from a generated ConfigMap"])
            _ = try await git.git(["push", "-q", "origin", "HEAD"])
            try await lab.requestReconcile(stamp: "generated-values")
            _ = try await lab.kube.waitFor(.helmReleases, "frigate", namespace: "frigate", timeout: .seconds(60),
                                           waitingFor: "the release with the generated values") { object in
                guard let object, let name = object["spec"]["valuesFrom"].arrayValue?.first?["name"].stringValue else { return false }
                return name.hasPrefix("frigate-values-") && object["status"]["observedGeneration"] == object["metadata"]["generation"]
                    && object["status"]["history"].arrayValue?.first?["status"] == "deployed"
            }

            let (yaml, plan) = try await Self.discover(lab)
            #expect(plan.gitops?.files == ["clusters/homelab/frigate/helmrelease.yaml", "clusters/homelab/frigate/helm-values.yaml"], "\(yaml)")
            #expect(plan.manifestChanges.contains(.init(
                file: "clusters/homelab/frigate/helm-values.yaml", path: ["config"], edit: .replace(from: "preset-nvidia-h264", to: "preset-vaapi"))),
                    "\(yaml)")
            let report = try await lab.check(plan)
            #expect(!report.blocks, "\(report.table)")
            let (planFile, steps) = try lab.migration(plan)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            try #require(journal.status == .completed)
            #expect(try await Self.frigatePod(lab)?.nodeName == Self.target)
            let release = try await Self.helmRelease(lab)
            let generated = try #require(release["spec"]["valuesFrom"].arrayValue?.first?["name"].stringValue)
            let live = try await lab.kube.get(.configMaps, generated, namespace: "frigate")
            #expect(live["data"]["values.yaml"].stringValue?.contains("preset-vaapi") == true, "the release reads the edited file")
        }
    }

    /// helm-controller with drift detection puts back a scale-down it did not make;
    /// suspended by ferry first, it leaves the workload down for the move.
    @Test("helm-controller reverts a scale-down while it runs; after ferry suspends the release, the workload stays down")
    func driftWhilePaused() async throws {
        try await PreflightLab.with(.frigateHelm) { lab in
            let kube = lab.kube
            try await kube.patch(.deployments, "frigate", namespace: "frigate", ["spec": ["replicas": 0]])
            _ = try await kube.waitFor(.deployments, "frigate", namespace: "frigate", timeout: .seconds(60),
                                       waitingFor: "helm-controller to put the replicas back") { object in
                object?["spec"]["replicas"].intValue == 1
            }

            let (_, plan) = try await Self.discover(lab)
            let (planFile, steps) = try lab.migration(plan)
            let upToScaleDown = Array(steps.prefix { $0.id != "scale-down" }) + steps.filter { $0.id == "scale-down" }
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
            let journal = try await runner.run(upToScaleDown, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            try #require(journal.status == .completed)
            #expect(try await Self.helmRelease(lab)["spec"]["suspend"].boolValue == true)
            // Two answered requests to the Kustomization: a whole round of the Flux
            // controllers (HelmReleases included) ran after the scale-down.
            for round in 0..<2 { try await lab.requestReconcile(stamp: "after-scale-down-\(round)") }
            #expect(try await kube.get(.deployments, "frigate", namespace: "frigate")["spec"]["replicas"].intValue == 0)

            let undone = try await runner.rollback(upToScaleDown, migration: plan.name)
            #expect(undone.status == .rolledBack)
            #expect(try await Self.helmRelease(lab)["spec"]["suspend"].boolValue != true)
            #expect(try await Self.frigatePod(lab)?.nodeName == Self.source)
        }
    }

    /// A pin the chart renders from its own defaults: no value of the release holds
    /// it, so the plan says what to add and has no edit for it, and `ferry check`
    /// refuses, since the release would pin Frigate back to the source after the move.
    @Test("a node pin no value holds is reported with what to add, and check refuses the plan")
    func pinInTheChart() async throws {
        try await PreflightLab.with(.frigateHelm) { lab in
            let git = GitRepository(directory: lab.clone)
            let releaseFile = lab.clone.appendingPathComponent("clusters/homelab/frigate/helmrelease.yaml")
            let chartValues = lab.clone.appendingPathComponent("charts/frigate/values.yaml")
            var text = try String(contentsOf: releaseFile, encoding: .utf8)
            text = text.replacingOccurrences(of: "    nodeSelector:\n      kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu\n", with: "")
            try Data(text.utf8).write(to: releaseFile)
            var defaults = try String(contentsOf: chartValues, encoding: .utf8)
            defaults = defaults.replacingOccurrences(of: "nodeSelector: {}", with: "nodeSelector:\n  kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu")
            #expect(defaults.contains("kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu"), "the chart's defaults now pin it")
            try Data(defaults.utf8).write(to: chartValues)
            _ = try await git.git(["commit", "-qam", "frigate: the node pin in the chart's defaults"])
            _ = try await git.git(["push", "-q", "origin", "HEAD"])
            let head = try await git.head()
            try await lab.requestReconcile(stamp: "pin-in-chart")
            _ = try await lab.kube.waitFor(.helmReleases, "frigate", namespace: "frigate", timeout: .seconds(60),
                                           waitingFor: "the release of the new chart") { object in
                object?["status"]["history"].arrayValue?.first?["version"].intValue == 2 && object?["status"]["history"].arrayValue?.first?["status"] == "deployed"
            }

            let (yaml, plan) = try await Self.discover(lab)
            #expect(!plan.manifestChanges.contains { $0.path.last == "kubernetes.io/hostname" }, "\(yaml)")
            #expect(yaml.contains("No value of HelmRelease frigate/frigate holds it"), "\(yaml)")
            #expect(yaml.contains("nodeSelector: {kubernetes.io/hostname: k3s-vm-still-fawn}"), "\(yaml)")

            let report = try await lab.check(plan)
            #expect(report.blocks)
            let pin = try #require(report.results.first { $0.check == "helm values" }, "\(report.table)")
            #expect(pin.status == .fail)
            #expect(pin.reason.contains("kubernetes.io/hostname=\(Self.source)"))
            #expect(try await git.head() == head, "nothing committed")
        }
    }
}

private extension PreflightLab {
    /// Asks for a reconcile of the source and the Kustomization `frigate`, and waits
    /// until the Kustomization has answered it: one round of the Flux controllers ran.
    func requestReconcile(stamp: String) async throws {
        let request: JSON = ["metadata": ["annotations": ["reconcile.fluxcd.io/requestedAt": .string(stamp)]]]
        try await kube.patch(.gitRepositories, "flux-system", namespace: "flux-system", request)
        try await kube.patch(.kustomizations, "frigate", namespace: "flux-system", request)
        _ = try await kube.waitFor(.kustomizations, "frigate", namespace: "flux-system", timeout: .seconds(60),
                                   waitingFor: "Flux to answer \(stamp)") { object in
            object?["status"]["lastHandledReconcileAt"].stringValue == stamp
        }
    }
}
