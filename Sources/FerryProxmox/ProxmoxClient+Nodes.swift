import FerryJSON

/// A Proxmox host as the cluster sees it (`GET /nodes`).
public struct NodeState: Sendable, Equatable {
    public var node: String
    /// `online`, `offline` or `unknown`.
    public var status: String
    /// Seconds since the host booted; nil while it is down.
    public var uptime: Int?

    public var isOnline: Bool { status == "online" }
}

extension ProxmoxClient {
    /// Every host of the cluster with its state.
    public func nodes() async throws(ProxmoxError) -> [NodeState] {
        do throws(ProxmoxError) {
            let data = try await transport.get("/nodes")
            guard let entries = data.arrayValue else { throw ProxmoxError.decoding("expected a list, got \(data.serialized.prefix(100))") }
            return entries.compactMap { entry in
                entry["node"].stringValue.map {
                    NodeState(node: $0, status: entry["status"].stringValue ?? "unknown", uptime: entry["uptime"].proxmoxInt)
                }
            }
        } catch {
            throw error.during("cannot list the cluster's hosts")
        }
    }

    /// Shuts host `node` down (`POST /nodes/{node}/status command=shutdown`): its
    /// guests stop as its `pve-guests` service stops them, then the host powers off.
    /// Only a person (or wake-on-LAN) brings it back.
    public func shutdownHost(_ node: String) async throws(ProxmoxError) {
        try ProxmoxNames.checkNode(node)
        do {
            _ = try await transport.post("/nodes/\(node)/status", parameters: [("command", "shutdown")])
        } catch {
            throw error.during("cannot shut host \(node) down")
        }
    }
}
