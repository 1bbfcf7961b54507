import FerryJSON
import FerryKube

/// The hardware label the workload selects its node by (`coral.ai/tpu=usb`): a
/// `nodeSelector` entry, or a required node affinity term `In` one value, that the
/// source node has and the target lacks. `kubernetes.io/hostname` is not such a label:
/// it names one node, and pinning is a manifest change, not a label to move.
enum NodeLabelDiscovery {
    struct Finding: Sendable {
        var label: MigrationPlan.NodeLabel?
        var notes: [String] = []
    }

    static let nfdPrefix = "feature.node.kubernetes.io/"
    static let nfdAnnotation = "nfd.node.kubernetes.io/feature-labels"

    /// nfd-master lists the labels it manages on the node (its own namespace's without
    /// the prefix); its own namespace is NFD's whatever the annotation says.
    static func setByNodeFeatureDiscovery(_ key: String, on node: Node) -> Bool {
        if key.hasPrefix(nfdPrefix) { return true }
        let listed = (node.annotations[nfdAnnotation] ?? "").split(separator: ",").map(String.init)
        return listed.contains(key)
    }

    static func label(template: JSON, source: Node, target: Node) -> Finding {
        var finding = Finding()
        var wanted: [(key: String, value: String, by: String)] = []
        let selector = (template["spec"]["nodeSelector"].objectValue ?? [:]).compactMapValues(\.stringValue)
        for key in selector.keys.sorted() { wanted.append((key, selector[key]!, "nodeSelector")) }
        let terms = template["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        for term in terms.arrayValue ?? [] {
            for expression in term["matchExpressions"].arrayValue ?? [] {
                guard expression["operator"].stringValue == "In", let key = expression["key"].stringValue,
                    let values = expression["values"].arrayValue, values.count == 1, let value = values[0].stringValue,
                    !wanted.contains(where: { $0.key == key })
                else { continue }
                wanted.append((key, value, "required node affinity"))
            }
        }
        for (key, value, by) in wanted where key != "kubernetes.io/hostname" {
            let onSource = source.labels[key] == value
            let onTarget = target.labels[key] == value
            if onTarget {
                finding.notes.append("the \(by) has \(key)=\(value), which \(target.name) has already: nothing to move.")
            } else if finding.label == nil {
                let nfd = setByNodeFeatureDiscovery(key, on: source)
                finding.label = MigrationPlan.NodeLabel(key: key, value: value, setBy: nfd ? .nodeFeatureDiscovery : .ferry)
                let sourceSays = onSource ? "\(source.name) has it" : "\(source.name) does not have it either"
                finding.notes.append("the \(by) has \(key)=\(value): \(sourceSays), \(target.name) does not.")
                if nfd {
                    finding.notes.append(
                        "Node Feature Discovery sets it (\(source.name)'s \(nfdAnnotation) lists it): ferry does not touch it, "
                            + "and waits for NFD to label \(target.name) once the device is there.")
                }
            } else {
                finding.notes.append(
                    "the \(by) also has \(key)=\(value), which \(target.name) lacks: a plan moves one label, so label the target yourself "
                        + "(`kubectl label node \(target.name) \(key)=\(value)`) before the run.")
            }
        }
        if finding.label == nil && finding.notes.isEmpty {
            finding.notes.append("the workload selects its node by no label other than kubernetes.io/hostname: no label to move.")
        }
        return finding
    }
}
