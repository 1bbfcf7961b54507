import FerryLab
import FerryProxmox
import FerryRemote
import Foundation
import Testing

/// The lab's homelab (frigate-coral: pumped-piglet with VM 105 and the Coral,
/// still-fawn with VM 108, pve with VM 107) reached the two ways a user reaches
/// Proxmox: its HTTPS API with the lab's token, and `pvesh` over SSH to each host.
///
/// The lab does not start SSH endpoints for its hosts yet, so this fixture starts
/// them (`LabSSH`) with `HostCommands` answering, in a short directory under /tmp
/// (a ControlPath socket's path must fit in 104 bytes).
struct ProxmoxLab: Sendable {
    let lab: Lab
    let homelab: Homelab
    let endpoint: FerryLab.ProxmoxEndpoint
    let ssh: LabSSH

    /// SSH names of the hosts: `NODE.maas`.
    static let nodes = ["pumped-piglet", "still-fawn", "pve"]

    static func with<T: Sendable>(_ body: (ProxmoxLab) async throws -> T) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp/fp-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes)
        configuration.homelab = .frigateCoral
        let lab = try await Lab.start(configuration)
        defer { lab.stop() }
        let homelab = try #require(lab.homelab)
        let endpoint = try #require(lab.proxmox)
        var handlers: [String: any SSHCommandHandler] = [:]
        for node in nodes {
            let commands = HostCommands(homelab: homelab, host: node)
            handlers["\(node).maas"] = SSHCommandClosure { line, _, stdin in
                let result = await commands.run(commandLine: line, stdin: String(decoding: stdin, as: UTF8.self))
                return SSHCommandResult(stdout: result.stdout, stderr: result.stderr, exitStatus: result.exitCode)
            }
        }
        let ssh = try await LabSSH.start(directory: directory.appendingPathComponent("s"), handlers: handlers)
        do {
            let result = try await body(ProxmoxLab(lab: lab, homelab: homelab, endpoint: endpoint, ssh: ssh))
            await ssh.stop()
            return result
        } catch {
            await ssh.stop()
            throw error
        }
    }

    /// The lab's API with its token, trusted by the pinned fingerprint it publishes.
    func configuration(token: String? = nil, trust: ProxmoxConfiguration.TLSTrust? = nil) throws -> ProxmoxConfiguration {
        var environment = [
            "PROXMOX_VE_ENDPOINT": endpoint.url, "PROXMOX_VE_API_TOKEN": token ?? endpoint.apiToken,
            "PROXMOX_VE_FINGERPRINT": endpoint.fingerprint,
        ]
        if trust == .insecure || trust == .systemTrustStore { environment["PROXMOX_VE_FINGERPRINT"] = nil }
        if trust == .insecure { environment["PROXMOX_VE_INSECURE"] = "true" }
        var configuration = try ProxmoxConfiguration(environment: environment)
        if case .pinned = trust { configuration.trust = trust! }
        configuration.timeouts.request = .seconds(20)
        return configuration
    }

    func https(token: String? = nil, trust: ProxmoxConfiguration.TLSTrust? = nil) throws -> ProxmoxClient {
        ProxmoxClient(transport: HTTPSTransport(configuration: try configuration(token: token, trust: trust)), pollInterval: .milliseconds(20))
    }

    /// pvesh on `node`'s host over the real `ssh`.
    func pvesh(on node: String = "still-fawn") -> ProxmoxClient {
        let client = SSHClient(options: SSHClient.Options(configFile: ssh.configPath))
        return ProxmoxClient(transport: SSHTransport(host: "\(node).maas", ssh: client), pollInterval: .milliseconds(20))
    }
}
