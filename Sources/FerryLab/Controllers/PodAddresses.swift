/// The pod IPs one node's kubelet hands out. The lab's pod network is this
/// machine's loopback: each node's podCIDR is a /24 of 127/8 (`127.X.N.0/24`, X the lab's `PodNetwork`), and
/// Linux answers on every 127.x address with no setup. So a pod that listens on its
/// `status.podIP` is reached by another pod that read that IP from the API, as across
/// a cluster network, while two pods listening on the same port do not collide.
/// Addresses go in order (.2 to .254, .1 being the node's bridge), skipping those of
/// live pods, as host-local IPAM does.
struct PodAddresses {
    private var assigned: [String: String] = [:]
    private var last = 1

    /// The IP of the pod `uid`, allocated on first ask.
    mutating func address(for uid: String, cidr: String) -> String {
        if let ip = assigned[uid] { return ip }
        let prefix = cidr.split(separator: "/").first.map { $0.split(separator: ".").prefix(3).joined(separator: ".") } ?? "127.42.0"
        let used = Set(assigned.values)
        var candidate = last
        for _ in 2...254 {
            candidate = candidate >= 254 ? 2 : candidate + 1
            if !used.contains("\(prefix).\(candidate)") { break }
        }
        // With 253 live pods on one node (its capacity says 110) an address repeats.
        last = candidate
        let ip = "\(prefix).\(candidate)"
        assigned[uid] = ip
        return ip
    }

    /// Addresses of pods that are gone become free.
    mutating func forget(except live: Set<String>) {
        assigned = assigned.filter { live.contains($0.key) }
    }
}
