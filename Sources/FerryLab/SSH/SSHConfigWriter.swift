import Foundation

/// Writes what the real `ssh` needs to reach the lab's endpoints by their homelab
/// names: `DIR/ssh/known_hosts` and `DIR/ssh_config`.
///
/// Host keys are verified as on a real homelab: each `Host` block sets
/// `HostKeyAlias NAME` (so the entry is looked up by name, not by 127.0.0.1 and a port
/// that changes per run), `UserKnownHostsFile` to the lab's file, and
/// `StrictHostKeyChecking yes`, so a key that does not match is refused.
///
/// ```
/// Host still-fawn.maas
///     HostName 127.0.0.1
///     Port 40123
///     User root
///     IdentityFile /tmp/lab/ssh/id_ed25519
///     IdentitiesOnly yes
///     UserKnownHostsFile /tmp/lab/ssh/known_hosts
///     HostKeyAlias still-fawn.maas
///     StrictHostKeyChecking yes
/// ```
/// BatchMode, ConnectTimeout and ControlMaster are the client's to choose.
public enum SSHConfigWriter {
    /// One endpoint as the config names it.
    public struct Host: Sendable {
        public var name: String
        public var port: Int
        public var user: String
        public var hostKey: OpenSSHPublicKey

        public init(name: String, port: Int, user: String, hostKey: OpenSSHPublicKey) {
            self.name = name
            self.port = port
            self.user = user
            self.hostKey = hostKey
        }
    }

    /// `ALIAS ssh-ed25519 BASE64`, one line per host, sorted by name.
    public static func knownHosts(_ hosts: [Host]) -> String {
        hosts.sorted { $0.name < $1.name }.map { "\($0.name) \($0.hostKey.keyText)\n" }.joined()
    }

    /// The `Host` blocks, sorted by name.
    public static func config(_ hosts: [Host], identityFile: URL, knownHostsFile: URL) -> String {
        var text = "# Written by the ferry lab for its simulated homelab: ssh -F THIS_FILE NAME COMMAND\n"
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            text += """

                Host \(host.name)
                    HostName 127.0.0.1
                    Port \(host.port)
                    User \(host.user)
                    IdentityFile \(quoted(identityFile.path))
                    IdentitiesOnly yes
                    UserKnownHostsFile \(quoted(knownHostsFile.path))
                    HostKeyAlias \(host.name)
                    StrictHostKeyChecking yes

                """
        }
        return text
    }

    /// Writes `DIR/ssh/known_hosts` and `DIR/ssh_config` (mode 0600 both, as ssh
    /// insists for a config file it is given) and returns the config's path.
    @discardableResult
    public static func write(_ hosts: [Host], keys: SSHKeys, directory: URL) throws -> URL {
        let knownHostsFile = keys.privateKeyPath.deletingLastPathComponent().appendingPathComponent("known_hosts")
        let configFile = directory.appendingPathComponent("ssh_config")
        try writePrivate(knownHosts(hosts), to: knownHostsFile)
        try writePrivate(config(hosts, identityFile: keys.privateKeyPath, knownHostsFile: knownHostsFile), to: configFile)
        return configFile
    }

    /// ssh_config takes a double-quoted argument where a path has spaces.
    static func quoted(_ path: String) -> String {
        path.contains(where: { $0 == " " || $0 == "\t" }) ? "\"\(path)\"" : path
    }

    static func writePrivate(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}
