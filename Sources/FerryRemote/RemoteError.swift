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

    public var description: String {
        let tried = attempts.map { "\($0.method.rawValue): \($0.reason)" }.joined(separator: "; ")
        return "cannot run commands on \(host) (\(tried))"
    }

    public static func unreachable(host: String, method: RemoteMethod, reason: String) -> RemoteError {
        RemoteError(host: host, attempts: [Attempt(method: method, reason: reason)])
    }
}
