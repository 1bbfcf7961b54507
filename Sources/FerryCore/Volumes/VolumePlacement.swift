import FerryJSON
import FerryKube

/// Whether a PersistentVolume can follow the pod to another node, judged from the
/// PV itself rather than its storage class's name: a class can be called anything,
/// but a volume that lives on one node says so in its required node affinity (what
/// local-path, `local` PVs and other hostPath provisioners write) or by being a
/// hostPath. Network storage (NFS, Ceph, Longhorn, most CSI drivers) carries no
/// such affinity and mounts anywhere.
public struct VolumePlacement: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// Any node can mount it (network storage): nothing to move.
        case portable
        /// It lives on nodes that include the target: nothing to move.
        case reachable
        /// It lives on other nodes only: its data must move for the pod to start on the target.
        case nodeBound(reason: String)
    }

    public let verdict: Verdict

    public var needsMove: Bool {
        if case .nodeBound = verdict { return true }
        return false
    }

    /// Judges `pv` for a pod on `target`. The target's labels decide, not its name:
    /// a PV names `kubernetes.io/hostname`'s value, which can differ from the node's
    /// name (local-path-provisioner #413).
    public init(pv: PersistentVolume, target: Node) {
        let terms = pv.json["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue ?? []
        if !terms.isEmpty {
            // Terms are ORed, expressions in a term ANDed, as the scheduler reads them.
            let labels = target.labels.merging(["metadata.name": target.name]) { own, _ in own }
            if terms.contains(where: { Self.matches($0, labels: labels) }) {
                verdict = .reachable
            } else {
                let hosts = pv.boundHostnames
                let place = hosts.isEmpty ? "its node affinity" : "kubernetes.io/hostname=\(hosts.joined(separator: ","))"
                verdict = .nodeBound(reason: "PV \(pv.name) is pinned to \(place), which \(target.name) does not match")
            }
        } else if pv.json["spec"]["hostPath"] != .null || pv.json["spec"]["local"] != .null {
            // A hostPath PV without affinity mounts on any node, but its data is on one: treat as bound.
            verdict = .nodeBound(reason: "PV \(pv.name) is a \(pv.json["spec"]["local"] != .null ? "local" : "hostPath") volume: its data is on one node's disk")
        } else {
            verdict = .portable
        }
    }

    static func matches(_ term: JSON, labels: [String: String]) -> Bool {
        let expressions = (term["matchExpressions"].arrayValue ?? []) + (term["matchFields"].arrayValue ?? [])
        guard !expressions.isEmpty else { return false }
        return expressions.allSatisfy { expression in
            let key = expression["key"].stringValue ?? ""
            let values = (expression["values"].arrayValue ?? []).compactMap(\.stringValue)
            let value = labels[key]
            switch expression["operator"].stringValue ?? "" {
            case "In": return value.map(values.contains) ?? false
            case "NotIn": return !(value.map(values.contains) ?? false)
            case "Exists": return value != nil
            case "DoesNotExist": return value == nil
            case "Gt", "Lt":
                guard let value, let number = Int(value), let bound = values.first.flatMap({ Int($0) }) else { return false }
                return expression["operator"].stringValue == "Gt" ? number > bound : number < bound
            default: return false
            }
        }
    }
}
