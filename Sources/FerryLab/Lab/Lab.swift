import Foundation

/// The whole lab: the Kubernetes cluster (`KubeLab`) and, when the configuration
/// has a `homelab`, the Proxmox side (`Homelab`) with its VE API over HTTPS. The
/// homelab drives the nodes' Ready condition and `/dev` from the VMs' power and
/// passthrough.
///
/// In `configuration.directory` it writes, besides the kubeconfig, `proxmox.env`
/// (mode 0600) in the Terraform bpg/proxmox provider's variables:
///
/// ```sh
/// PROXMOX_VE_ENDPOINT=https://127.0.0.1:PORT/
/// PROXMOX_VE_API_TOKEN=root@pam!ferry=SECRET
/// PROXMOX_VE_FINGERPRINT=AB:CD:...
/// ```
///
/// and, for the hosts' and VMs' SSH endpoints (`LabSSH`), `ssh_config`, `ssh/known_hosts`
/// and the client key `ssh/id_ed25519`.
///
/// ```swift
/// var configuration = LabConfiguration(directory: dir, nodes: LabScenario.homelab.nodes)
/// configuration.homelab = .frigateCoral
/// let lab = try await Lab.start(configuration)
/// defer { lab.stop() }
/// ```
public final class Lab: Sendable {
    public let kube: KubeLab
    public let homelab: Homelab?
    public let proxmox: ProxmoxEndpoint?
    /// The hosts' and VMs' SSH endpoints (`ssh -F DIR/ssh_config NAME COMMAND`); nil without a homelab.
    public let ssh: LabSSH?
    private let proxmoxServer: LabHTTPSServer<ProxmoxAPIServer>?

    private init(
        kube: KubeLab, homelab: Homelab?, proxmox: ProxmoxEndpoint?, ssh: LabSSH? = nil,
        proxmoxServer: LabHTTPSServer<ProxmoxAPIServer>?
    ) {
        self.kube = kube
        self.homelab = homelab
        self.proxmox = proxmox
        self.ssh = ssh
        self.proxmoxServer = proxmoxServer
    }

    /// Starts the cluster, then the homelab attached to it and its API server.
    /// `runtimes` gets the homelab (nil without one), for container runtimes that
    /// depend on the hardware a VM sees.
    public static func start(
        _ configuration: LabConfiguration, runtimes: @Sendable (Homelab?) -> [any ContainerRuntime] = { _ in [] }
    ) async throws -> Lab {
        try LabRequirements.check()
        let homelab = configuration.homelab.map { Homelab(spec: $0, timing: configuration.timing) }
        let store = ObjectStore()
        // Frigate's behaviour depends on what the VMs see, so it comes with the homelab.
        let hardwareAware: [any ContainerRuntime] = homelab.map { [FrigateRuntime(homelab: $0, store: store), OllamaRuntime(homelab: $0)] } ?? []
        let kube = try await KubeLab.start(
            configuration, store: store, runtimes: runtimes(homelab) + hardwareAware,
            latency: { await homelab?.faults.apiLatency ?? .zero })
        guard let homelab else { return Lab(kube: kube, homelab: nil, proxmox: nil, proxmoxServer: nil) }
        do {
            await homelab.attach(store: kube.store, filesystem: kube.filesystem, hardwareChanged: { kube.poke() })
            let ca = try LabCertificateAuthority(commonName: "Proxmox Virtual Environment")
            let identity = try ca.issueServer(commonName: homelab.hosts.first?.name ?? "pve", dnsNames: homelab.hosts.map(\.name))
            let tokenID = "root@pam!ferry"
            let secret = UUID().uuidString.lowercased()
            let server = try await LabHTTPSServer(
                responder: ProxmoxAPIServer(homelab: homelab, tokens: [tokenID: secret]), identity: identity, clientCA: nil,
                port: configuration.proxmoxPort)
            let endpoint = ProxmoxEndpoint(
                url: "https://127.0.0.1:\(server.port)/", tokenID: tokenID, secret: secret, fingerprint: identity.fingerprint,
                caPEM: ca.certificatePEM, envFile: configuration.directory.appendingPathComponent("proxmox.env"))
            try KubeLab.writePrivate(endpoint.environment, to: endpoint.envFile)
            try KubeLab.writePrivate(ca.certificatePEM, to: configuration.directory.appendingPathComponent("pki/proxmox-ca.crt"))
            let ssh: LabSSH
            do {
                ssh = try await LabSSH.start(directory: configuration.directory, homelab: homelab, refused: configuration.sshRefused)
            } catch {
                server.stop()
                throw error
            }
            return Lab(kube: kube, homelab: homelab, proxmox: endpoint, ssh: ssh, proxmoxServer: server)
        } catch {
            kube.stop()
            throw error
        }
    }

    public func stop() {
        if let ssh { Task { await ssh.stop() } }
        proxmoxServer?.stop()
        kube.stop()
    }

    /// Stops everything and waits until every port the lab opened is closed.
    public func shutdown() async {
        await ssh?.stop()
        await proxmoxServer?.shutdown()
        await kube.shutdown()
    }
}

/// Where and how to reach the lab's Proxmox VE API.
public struct ProxmoxEndpoint: Sendable {
    /// `https://127.0.0.1:PORT/` (the API is under `api2/json/`).
    public let url: String
    /// `root@pam!ferry`
    public let tokenID: String
    public let secret: String
    /// SHA-256 of the server certificate, `AB:CD:...`, to pin.
    public let fingerprint: String
    /// The CA that signed the server certificate (also in `pki/proxmox-ca.crt`).
    public let caPEM: String
    /// `DIR/proxmox.env`
    public let envFile: URL

    /// `USER@REALM!TOKENID=SECRET`, as the `Authorization: PVEAPIToken=` header carries it.
    public var apiToken: String { "\(tokenID)=\(secret)" }

    var environment: String {
        "PROXMOX_VE_ENDPOINT=\(url)\nPROXMOX_VE_API_TOKEN=\(apiToken)\nPROXMOX_VE_FINGERPRINT=\(fingerprint)\n"
    }
}
