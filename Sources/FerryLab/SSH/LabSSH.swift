import Foundation

/// The SSH side of the lab: one `SSHEndpoint` per simulated machine, the client key
/// pair, `known_hosts` and an `ssh_config` that the real `ssh` reads.
///
/// ```swift
/// let ssh = try await LabSSH.start(
///     directory: dir, handlers: ["still-fawn.maas": host, "k3s-vm-still-fawn": vm],
///     users: ["k3s-vm-still-fawn": "ubuntu"], refused: ["k3s-vm-still-fawn"])
/// // ssh -F DIR/ssh_config still-fawn.maas qm config 108
/// try await ssh.setRefused("k3s-vm-still-fawn", false)
/// await ssh.stop()
/// ```
///
/// Files, in `directory`: `ssh/id_ed25519` (0600) and `ssh/id_ed25519.pub`, made by
/// `ssh-keygen` and kept across restarts; `ssh/known_hosts` and `ssh_config` (0600),
/// rewritten on each start since every start makes new host keys and ports.
public final class LabSSH: Sendable {
    /// The directory the files are in.
    public let directory: URL
    /// `DIR/ssh_config`, for `ssh -F`.
    public let configPath: URL
    /// `DIR/ssh/known_hosts`.
    public let knownHostsPath: URL
    public let keys: SSHKeys
    /// By machine name.
    public let endpoints: [String: SSHEndpoint]

    private init(directory: URL, configPath: URL, keys: SSHKeys, endpoints: [String: SSHEndpoint]) {
        self.directory = directory
        self.configPath = configPath
        self.knownHostsPath = keys.privateKeyPath.deletingLastPathComponent().appendingPathComponent("known_hosts")
        self.keys = keys
        self.endpoints = endpoints
    }

    /// The user `ssh_config` logs in as on a machine `users` does not name.
    public static let defaultUser = "root"

    /// Starts an endpoint for each name in `handlers` (on a free port, or on `ports[name]`),
    /// writes the files, and returns once every endpoint listens (except those in `refused`,
    /// which start with the fault on).
    public static func start(
        directory: URL, handlers: [String: any SSHCommandHandler], users: [String: String] = [:],
        ports: [String: Int] = [:], refused: Set<String> = []
    ) async throws -> LabSSH {
        for name in Array(users.keys) + Array(ports.keys) + Array(refused) where handlers[name] == nil {
            throw noSuchEndpoint(name, among: handlers.keys)
        }
        for name in handlers.keys where !isValidHostName(name) {
            throw LabError(description: "'\(name)' cannot be an SSH host name in ssh_config (letters, digits, '.', '-', '_')")
        }
        let keys = try await SSHKeys.clientKey(in: directory.appendingPathComponent("ssh"))
        var endpoints: [String: SSHEndpoint] = [:]
        do {
            for (name, handler) in handlers.sorted(by: { $0.key < $1.key }) {
                endpoints[name] = try await SSHEndpoint.start(
                    name: name, port: ports[name] ?? 0, authorizedKey: keys.publicKey, handler: handler,
                    refused: refused.contains(name))
            }
            let hosts = endpoints.values.map {
                SSHConfigWriter.Host(name: $0.name, port: $0.port, user: users[$0.name] ?? defaultUser, hostKey: $0.hostKey)
            }
            let config = try SSHConfigWriter.write(hosts, keys: keys, directory: directory)
            return LabSSH(directory: directory, configPath: config, keys: keys, endpoints: endpoints)
        } catch {
            for endpoint in endpoints.values { await endpoint.stop() }
            throw error
        }
    }

    /// The endpoint for `name`, or an error naming the ones there are.
    public func endpoint(_ name: String) throws -> SSHEndpoint {
        guard let endpoint = endpoints[name] else { throw Self.noSuchEndpoint(name, among: endpoints.keys) }
        return endpoint
    }

    /// Port by machine name.
    public var ports: [String: Int] { endpoints.mapValues(\.port) }

    /// Switches the `refused` fault of one machine's SSH on or off.
    public func setRefused(_ name: String, _ refused: Bool) async throws {
        try await endpoint(name).setRefused(refused)
    }

    /// Stops every endpoint. The files stay, as a stopped sshd leaves its keys.
    public func stop() async {
        for endpoint in endpoints.values { await endpoint.stop() }
    }

    static func noSuchEndpoint(_ name: String, among names: some Collection<String>) -> LabError {
        LabError(description: "the lab has no SSH endpoint named \(name); it has \(names.sorted().joined(separator: ", "))")
    }

    /// What may stand after `Host` and `HostKeyAlias` without quoting or matching patterns.
    static func isValidHostName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
