import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// The frigate-coral lab for `ferry check`: ferry's clients opened on the files the
/// lab writes, the reference plan (docs/PLAN.md) pointed at the lab's GitOps clone,
/// and the ways a test breaks one precondition at a time. In a short directory under
/// /tmp, because a ControlPath socket's path must fit in 104 bytes.
struct PreflightLab: Sendable {
    let lab: Lab
    let directory: URL
    let connections: Connections

    var homelab: Homelab { lab.homelab! }
    var kube: KubeClient { connections.kube }
    /// `DIR/gitops`, the clone the plan's `gitops.repo` names.
    var clone: URL { directory.appendingPathComponent("gitops", isDirectory: true) }

    static func with<T: Sendable>(
        _ scenario: LabScenario = .frigateCoral, addons: LabAddons = [], _ body: (PreflightLab) async throws -> T
    ) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp/fk-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = try await scenario.start(directory: directory, addons: addons)
        do {
            var settings = ConnectionSettings(
                environment: [:], homeDirectory: directory, kubeconfig: lab.kube.kubeconfigPath.path,
                sshConfig: try #require(lab.ssh).configPath)
            settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(directory.appendingPathComponent("proxmox.env"))
            let connections = try Connections.open(settings)
            let fixture = PreflightLab(lab: lab, directory: directory, connections: connections)
            do {
                let result = try await body(fixture)
                await connections.shutdown()
                await lab.shutdown()
                return result
            } catch {
                await connections.shutdown()
                throw error
            }
        } catch {
            await lab.shutdown()
            throw error
        }
    }

    /// The plan of docs/PLAN.md, with `gitops.repo` relative to the plan's directory
    /// (the lab's directory), as a user keeping the plan next to the clone writes it.
    func referencePlan() throws -> MigrationPlan {
        var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        plan.gitops?.repo = "gitops"
        return plan
    }

    /// `plan` written to `DIR/migration.yaml`, and its steps as `ferry run` makes them.
    func migration(_ plan: MigrationPlan) throws -> (file: URL, steps: [any MigrationStep]) {
        let file = directory.appendingPathComponent("migration.yaml")
        try Data(plan.yaml.utf8).write(to: file)
        let environment = MigrationEnvironment(plan: plan, planFile: file, connections: connections, pollInterval: .milliseconds(50))
        return (file, MigrationSteps.make(environment))
    }

    func check(_ plan: MigrationPlan? = nil) async throws -> PreflightReport {
        await Preflight(plan: try plan ?? referencePlan(), connections: connections, planDirectory: directory).run()
    }

    // MARK: Breaking preconditions

    /// Removes the Secret from Git, pushes, and waits until Flux has pruned it from the
    /// cluster and is Ready again: deleting it with kubectl would not last, since Flux
    /// re-creates it at its next interval.
    func deleteSecretThroughGit() async throws {
        let repository = GitOpsRepository.existing(in: directory)
        let kustomization = try String(contentsOf: clone.appendingPathComponent("apps/frigate/kustomization.yaml"), encoding: .utf8)
        try repository.write([
            "apps/frigate/kustomization.yaml": kustomization.replacingOccurrences(of: "  - secret.yaml\n", with: ""),
            "apps/frigate/secret.yaml": nil,
        ])
        let commit = try await repository.commitAll("frigate: credentials move to another store")
        try await repository.push()
        try await requestReconcile()
        _ = try await kube.waitFor(.secrets, "frigate-credentials", namespace: "frigate", timeout: .seconds(30),
                                   waitingFor: "Flux to prune the Secret") { $0 == nil }
        _ = try await kube.waitFor(.kustomizations, "frigate", namespace: "flux-system", timeout: .seconds(30),
                                   waitingFor: "the Kustomization to apply \(commit)") { object in
            (object?["status"]["lastAppliedRevision"].stringValue ?? "").hasSuffix(commit)
        }
    }

    func requestReconcile() async throws {
        let now: JSON = ["metadata": ["annotations": ["reconcile.fluxcd.io/requestedAt": .string(UUID().uuidString)]]]
        try await kube.patch(.gitRepositories, "flux-system", namespace: "flux-system", now)
        try await kube.patch(.kustomizations, "frigate", namespace: "flux-system", now)
    }

    func cordonTarget() async throws {
        try await kube.patch(.nodes, "k3s-vm-still-fawn", ["spec": ["unschedulable": true]])
    }

    func suspendKustomization() async throws {
        try await kube.patch(.kustomizations, "frigate", namespace: "flux-system", ["spec": ["suspend": true]])
    }

    /// Points the Kustomization at a path the repository lacks and waits for Flux to
    /// report it (Ready=False, ArtifactFailed).
    func breakKustomization() async throws {
        try await kube.patch(.kustomizations, "frigate", namespace: "flux-system", ["spec": ["path": "./apps/frigatte"]])
        _ = try await kube.waitFor(.kustomizations, "frigate", namespace: "flux-system", timeout: .seconds(30),
                                   waitingFor: "Flux to fail the Kustomization") { object in
            (object?["status"]["conditions"].arrayValue ?? []).contains {
                $0["type"] == "Ready" && $0["status"] == "False"
            }
        }
    }

    /// An edited manifest and a stray file in the clone.
    func dirtyTheClone() throws {
        let deployment = clone.appendingPathComponent("apps/frigate/deployment.yaml")
        let text = try String(contentsOf: deployment, encoding: .utf8)
        try Data((text + "# TODO\n").utf8).write(to: deployment)
        try Data("notes\n".utf8).write(to: clone.appendingPathComponent("notes.txt"))
    }
}

extension PreflightReport {
    func result(_ check: String) -> PreflightResult? { results.first { $0.check == check } }
    var failed: [String] { results.filter { $0.status == .fail }.map(\.check) }
    var warned: [String] { results.filter { $0.status == .warn }.map(\.check) }
}
