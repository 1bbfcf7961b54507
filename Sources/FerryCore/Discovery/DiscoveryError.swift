/// Why `ferry plan` could not write a plan: what it looked for, where, and what to do.
/// Compare by `code`; print `description`.
public struct DiscoveryError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No Deployment or StatefulSet with that name.
        case workloadNotFound
        /// The workload has no pod on a node, and nothing pins it to one.
        case notScheduled
        /// `--to` names no node, or the node the workload already runs on.
        case badTarget
        /// No Proxmox VM is that node.
        case noVM
        /// The GitOps clone or the manifests in it cannot be found.
        case gitops
        /// A live system could not be read.
        case unreachable
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// A client's failure while reading `what`: the client's own sentence says where and why.
    static func unreadable(_ what: String, _ error: any Error) -> DiscoveryError {
        DiscoveryError(.unreachable, "cannot read \(what): \(error)")
    }
}

/// Runs a read against a live system, turning a client's error into a `DiscoveryError`
/// that says what ferry was reading.
func reading<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DiscoveryError {
        throw error
    } catch {
        throw DiscoveryError.unreadable(what, error)
    }
}
