import FerryJSON
import FerryKube
import FerryProxmox
import FerryRemote
import Foundation

extension Connections {
    /// Clients that reach nothing. `ferry report` and `ferry scripts` need the steps a
    /// plan makes (their titles and `describe()` lines read only the plan) and must work
    /// on a laptop away from the homelab, with no kubeconfig or Proxmox token at hand.
    /// Any call through them fails with a message that says so. Shut down as any other.
    public static func offline() throws -> Connections {
        let access = ClusterAccess(
            contextName: "offline", server: URL(string: "https://offline.invalid")!, certificateAuthorityPEM: nil, credential: .none)
        return Connections(
            kube: try KubeClient(access: access), proxmox: ProxmoxClient(transport: OfflineProxmoxTransport()), ssh: SSHClient())
    }
}

/// A Proxmox transport for `Connections.offline()`: every request fails.
private struct OfflineProxmoxTransport: ProxmoxTransport {
    var server: String { "no Proxmox (offline)" }

    func get(_ path: String, query: [(String, String)]) async throws(ProxmoxError) -> JSON { throw refusal(path) }
    func post(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON { throw refusal(path) }
    func put(_ path: String, parameters: [(String, String)]) async throws(ProxmoxError) -> JSON { throw refusal(path) }

    private func refusal(_ path: String) -> ProxmoxError {
        ProxmoxError(code: .connection, description: "\(path): these connections are offline (ferry report or scripts); a bug if you see this")
    }
}

extension MigrationEnvironment {
    /// The plan's steps with clients that reach nothing: for describing them.
    public static func offline(plan: MigrationPlan, planFile: URL) throws -> MigrationEnvironment {
        MigrationEnvironment(plan: plan, planFile: planFile, connections: try .offline())
    }
}
