import FerryGitOps
import FerryKube
import FerryProxmox
import FerryRemote
import Foundation

/// The live systems a migration talks to, opened once per command: the Kubernetes
/// API (kubeconfig), the Proxmox VE API (`PROXMOX_VE_*`), and OpenSSH for the VMs.
///
/// Every `ferry` command that reads or changes the world takes one of these, so
/// tests hand the same code the lab's files and users hand it their own; nothing
/// below this point knows which is which.
///
/// ```swift
/// let connections = try Connections.open(ConnectionSettings(environment: ProcessInfo.processInfo.environment))
/// defer { Task { await connections.shutdown() } }
/// let shell = connections.vmShell(for: plan.target, sshTimeout: plan.timeouts.ssh.duration)
/// ```
public struct Connections: Sendable {
    public let kube: KubeClient
    public let proxmox: ProxmoxClient
    public let ssh: SSHClient
    public let runner: any ProcessRunner
    /// Lines each command prints to stderr before it starts (`warning: ...`), such as
    /// the Proxmox API's TLS check being off.
    public var warnings: [String] = []

    public init(kube: KubeClient, proxmox: ProxmoxClient, ssh: SSHClient, runner: any ProcessRunner = LocalProcessRunner()) {
        self.kube = kube
        self.proxmox = proxmox
        self.ssh = ssh
        self.runner = runner
    }

    /// Opens the clients the settings describe. Fails, with the variable or file to
    /// fix, when the kubeconfig or the Proxmox settings are missing or malformed;
    /// nothing is contacted yet.
    public static func open(_ settings: ConnectionSettings, runner: any ProcessRunner = LocalProcessRunner()) throws -> Connections {
        let loader = KubeconfigLoader(environment: settings.environment, homeDirectory: settings.homeDirectory)
        let access = try loader.access(explicitPath: settings.kubeconfig, context: settings.context)
        var proxmoxEnvironment = settings.environment
        proxmoxEnvironment.merge(settings.proxmoxEnvironment) { _, file in file }
        let proxmoxConfiguration = try ProxmoxConfiguration(environment: proxmoxEnvironment)
        let proxmox = ProxmoxClient(transport: HTTPSTransport(configuration: proxmoxConfiguration))
        // Last: a KubeClient must be shut down once made, so nothing may throw after it.
        let kube = try KubeClient(access: access, runner: runner)
        var options = SSHClient.Options(configFile: settings.sshConfig, controlDirectory: settings.sshControlDirectory)
        options.connectTimeout = settings.sshConnectTimeout
        var connections = Connections(kube: kube, proxmox: proxmox, ssh: SSHClient(options: options, runner: runner), runner: runner)
        connections.warnings = proxmoxConfiguration.warnings
        return connections
    }

    /// Commands in one side's VM: SSH to the VM's name (an ssh_config alias), else
    /// its QEMU guest agent through Proxmox. `sshTimeout` (the plan's `timeouts.ssh`)
    /// bounds how long SSH may take to connect before the agent is tried.
    public func vmShell(
        for endpoint: MigrationPlan.Endpoint, sshTimeout: Duration? = nil, commandTimeout: Duration = .seconds(120)
    ) -> VMShell {
        var ssh = self.ssh
        if let sshTimeout { ssh.options.connectTimeout = sshTimeout }
        return VMShell(
            host: endpoint.vm, ssh: ssh,
            agent: proxmox.guestAgent(node: endpoint.host, vmid: endpoint.vmid, timeout: commandTimeout))
    }

    /// Closes the Kubernetes client's connections; call once when done.
    public func shutdown() async {
        await kube.shutdown()
    }
}

/// Where the clients' settings come from: the process environment (`KUBECONFIG`,
/// `PROXMOX_VE_*`) and the command's options (`--kubeconfig`, `--context`,
/// `--ssh-config`, `--proxmox-env`).
public struct ConnectionSettings: Sendable {
    public var environment: [String: String]
    public var homeDirectory: URL
    public var kubeconfig: String?
    public var context: String?
    /// An ssh_config file for the VMs' names (`ssh -F`); nil: the user's own.
    public var sshConfig: URL?
    public var sshConnectTimeout: Duration = .seconds(5)
    /// Where ControlMaster sockets go, so a run's many commands share one connection.
    public var sshControlDirectory: URL?
    /// `PROXMOX_VE_*` read from a file (`--proxmox-env`); wins over the environment.
    public var proxmoxEnvironment: [String: String] = [:]

    public init(
        environment: [String: String],
        homeDirectory: URL = FileManager.default.homeDirectoryForCurrentUser,
        kubeconfig: String? = nil, context: String? = nil, sshConfig: URL? = nil
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.kubeconfig = kubeconfig
        self.context = context
        self.sshConfig = sshConfig
    }

    /// Reads `KEY=VALUE` lines (an optional `export `, `#` comments, values optionally
    /// quoted), the form of the lab's `proxmox.env` and of a shell file a user sources.
    public static func readEnvironmentFile(_ url: URL) throws -> [String: String] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConnectionSettingsError("cannot read \(url.path): \((error as NSError).localizedDescription)")
        }
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw ConnectionSettingsError("\(url.path):\(index + 1): expected KEY=VALUE")
            }
            var value = String(line[line.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[String(line[..<equals])] = value
        }
        return values
    }
}

public struct ConnectionSettingsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
