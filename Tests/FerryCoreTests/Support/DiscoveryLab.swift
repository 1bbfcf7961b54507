import FerryCore
import FerryLab
import Foundation
import Testing

/// The frigate-coral lab with ferry's clients opened on the files it writes (the
/// kubeconfig, `proxmox.env`, `ssh_config`), as `ferry plan` opens them for a user.
/// In a short directory under /tmp: a ControlPath socket's path must fit in 104 bytes.
struct DiscoveryLab: Sendable {
    let lab: Lab
    let directory: URL
    let connections: Connections

    /// The lab's GitOps clone, `DIR/gitops`.
    var clone: URL { directory.appendingPathComponent("gitops", isDirectory: true) }

    static func with<T: Sendable>(_ body: (DiscoveryLab) async throws -> T) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp/fd-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = try await LabScenario.frigateCoral.start(directory: directory)
        do {
            var settings = ConnectionSettings(
                environment: [:], homeDirectory: directory, kubeconfig: lab.kube.kubeconfigPath.path,
                sshConfig: try #require(lab.ssh).configPath)
            settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(directory.appendingPathComponent("proxmox.env"))
            let connections = try Connections.open(settings)
            let fixture = DiscoveryLab(lab: lab, directory: directory, connections: connections)
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

    /// `ferry plan NAMESPACE/NAME --to NODE --repo DIR/gitops`.
    func plan(_ workload: String = "frigate/frigate", to target: String = "k3s-vm-still-fawn", repo: URL? = nil) async throws -> DiscoveredPlan {
        let parts = workload.split(separator: "/").map(String.init)
        return try await PlanDiscovery(connections: connections).discover(
            PlanRequest(namespace: parts[0], name: parts[1], targetNode: target, repo: repo ?? clone, workingDirectory: directory))
    }

    /// The error `plan` fails with.
    func planError(_ workload: String = "frigate/frigate", to target: String = "k3s-vm-still-fawn", repo: URL? = nil) async -> DiscoveryError? {
        do {
            _ = try await plan(workload, to: target, repo: repo)
            return nil
        } catch {
            return error as? DiscoveryError
        }
    }

    /// The reference plan of docs/PLAN.md with `repo` set to the lab's clone.
    func expectedPlan() throws -> MigrationPlan {
        let text = PlanFixtures.frigate.replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: \(clone.path)")
        return try PlanParser.parse(text, file: "PLAN.md")
    }
}
