import FerryKube
import FerryProxmox

/// Both APIs answer with the credentials given: the kubeconfig's user and the
/// Proxmox token. First in the report, because every other check reads through them.
struct CredentialChecks: PreflightCheckGroup {
    let connections: Connections
    var name: String { "credentials" }
    var waitsFor: String { "the Kubernetes API and the Proxmox API" }

    func run() async -> [PreflightResult] {
        async let kube = kubernetes()
        async let proxmox = proxmox()
        return await [kube, proxmox]
    }

    private func kubernetes() async -> PreflightResult {
        let check = "credentials kubernetes"
        let server = connections.kube.access.server.absoluteString
        // /version may answer anyone; listing nodes needs the credentials to work.
        async let version = connections.kube.serverVersion()
        async let nodes = connections.kube.list(.nodes, labelSelector: "ferry.dev/preflight-probe")
        do {
            _ = try await nodes
            let version = (try? await version) ?? "version unknown"
            return .pass(check, "the API server at \(server) (\(version)) accepts the kubeconfig's credentials")
        } catch {
            return .fail(check, String(describing: error),
                         fix: "check --kubeconfig and --context: `kubectl get nodes` must work with the same settings")
        }
    }

    private func proxmox() async -> PreflightResult {
        let check = "credentials proxmox"
        do {
            let machines = try await connections.proxmox.virtualMachines()
            return .pass(check, "\(connections.proxmox.transport.server) accepts the token (\(machines.count) VMs visible)")
        } catch {
            return .fail(check, error.description,
                         fix: "check PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN and PROXMOX_VE_FINGERPRINT (--proxmox-env)")
        }
    }
}
