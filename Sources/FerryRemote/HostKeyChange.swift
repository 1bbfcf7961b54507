/// What OpenSSH says when a host presents a key other than the one recorded for it.
///
/// Kept apart from "cannot connect" because it is not a broken connection to work
/// around: it may be someone between ferry and the VM, and falling back to the guest
/// agent would hide that from the one person who can tell (the VM was reinstalled,
/// or it was not).
public struct HostKeyChange: Sendable, Hashable {
    /// The host as ssh was asked for it (an ssh_config alias or a hostname).
    public var host: String
    /// `FILE:LINE` of the recorded key, when ssh names it ("Offending ... key in").
    public var knownHosts: String?
    /// The fingerprint of the key the host sends now, when ssh prints it.
    public var fingerprint: String?

    public var description: String {
        var text = "the SSH host key of \(host) has changed"
        if let knownHosts { text += " since it was recorded in \(knownHosts)" }
        if let fingerprint { text += " (it now sends \(fingerprint))" }
        return text + ": someone may be intercepting the connection, or the machine was reinstalled; "
            + "ferry does not fall back to the guest agent around it"
    }

    /// Check first, then forget the old key: never the other way round.
    public var fix: String {
        var command = ["ssh-keygen"]
        if let file = knownHosts.map(Self.file(of:)) { command += ["-f", file] }
        command += ["-R", host]
        return "check the new key on the machine's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`); "
            + "only if its fingerprint is the one above, forget the old key: `\(ShellQuoting.commandLine(command))`"
    }

    /// Reads ssh's stderr; nil unless it reports a changed host key.
    static func parse(_ stderr: String, host: String) -> HostKeyChange? {
        guard stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || stderr.contains("has changed and you have requested strict checking")
        else { return nil }
        var change = HostKeyChange(host: host)
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, line) in lines.enumerated() {
            // "Offending ED25519 key in /home/u/.ssh/known_hosts:3"
            if line.hasPrefix("Offending "), let range = line.range(of: " in ") {
                change.knownHosts = change.knownHosts ?? String(line[range.upperBound...])
            }
            // "The fingerprint for the ED25519 key sent by the remote host is" / "SHA256:..."
            if line.hasPrefix("The fingerprint for"), index + 1 < lines.count, lines[index + 1].hasPrefix("SHA256:") {
                let fingerprint = lines[index + 1]
                change.fingerprint = fingerprint.hasSuffix(".") ? String(fingerprint.dropLast()) : fingerprint
            }
        }
        return change
    }

    /// `/home/u/.ssh/known_hosts:3` -> `/home/u/.ssh/known_hosts`.
    private static func file(of location: String) -> String {
        guard let colon = location.lastIndex(of: ":"), location[location.index(after: colon)...].allSatisfy(\.isNumber) else {
            return location
        }
        return String(location[..<colon])
    }
}
