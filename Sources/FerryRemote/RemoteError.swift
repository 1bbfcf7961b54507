/// A command that could not be run on a host or VM at all (as opposed to one that
/// ran and failed, which is a `CommandOutput` with a non-zero exit code).
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    public struct Attempt: Sendable {
        public var method: RemoteMethod
        public var reason: String
    }

    public var host: String
    /// Every way that was tried, in order, with why it failed.
    public var attempts: [Attempt]
    /// Set when SSH refused the host's key as changed: then nothing else was tried.
    public var hostKeyChange: HostKeyChange?

    public init(host: String, attempts: [Attempt], hostKeyChange: HostKeyChange? = nil) {
        self.host = host
        self.attempts = attempts
        self.hostKeyChange = hostKeyChange
    }

    public var description: String {
        if let hostKeyChange { return "cannot run commands on \(host): \(hostKeyChange.description)" }
        let tried = attempts.map { "\($0.method.rawValue): \($0.reason)" }.joined(separator: "; ")
        return "cannot run commands on \(host) (\(tried))"
    }

    public static func unreachable(host: String, method: RemoteMethod, reason: String) -> RemoteError {
        RemoteError(host: host, attempts: [Attempt(method: method, reason: reason)])
    }
}
