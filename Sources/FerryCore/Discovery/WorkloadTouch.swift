import FerryJSON
import Foundation

/// How another object's pod template touches the workload being moved: the ways a
/// CronJob beside an app (a health-checker, a backup) or a second app on the same
/// hardware gets in the way of a move, or is left behind by it.
///
/// Pure rules over pod templates, so that `ferry plan` (which writes what it will do
/// with each) and `ferry check` (which refuses what cannot follow) agree.
struct WorkloadTouch: Sendable, Hashable, CustomStringConvertible {
    enum Way: Sendable, Hashable {
        /// Mounts one of the workload's claims.
        case mountsClaim(String)
        /// Pinned to the source node by its hostname.
        case pinsSource(String)
        /// Selects the node by the hardware label that moves with the workload.
        case selectsLabel(String)
        /// Mounts one of the workload's device paths, or asks for its extended resource.
        case usesDevice(String)
        /// Names the workload in its command, args or env (`deployment/frigate`,
        /// `-l app=frigate`): it acts on it, and could act in the middle of the move.
        case namesWorkload(String)
    }

    var way: Way

    var description: String {
        switch way {
        case .mountsClaim(let claim): "mounts claim \(claim)"
        case .pinsSource(let pin): "is pinned to the source node (\(pin))"
        case .selectsLabel(let label): "selects its node by \(label)"
        case .usesDevice(let device): "uses the same device (\(device))"
        case .namesWorkload(let how): "names the workload (\(how))"
        }
    }

    /// What the workload offers to be touched by.
    struct Subject: Sendable {
        var kind: String
        var name: String
        var claims: [String]
        var podLabels: [String: String]
        var sourceHostname: String
        var nodeLabel: MigrationPlan.NodeLabel?
        /// Host paths of devices (`/dev/bus/usb`, `/dev/dri`) and extended resources it uses.
        var devicePaths: [String]
        var extendedResources: [String]
    }

    /// Every way `template` (a pod template: `spec.template` or a CronJob's
    /// `spec.jobTemplate.spec.template`) touches `subject`.
    static func ways(_ template: JSON, touch subject: Subject) -> [WorkloadTouch] {
        var found: [Way] = []
        let spec = template["spec"]
        for volume in spec["volumes"].arrayValue ?? [] {
            if let claim = volume["persistentVolumeClaim"]["claimName"].stringValue, subject.claims.contains(claim) {
                found.append(.mountsClaim(claim))
            }
            if let path = volume["hostPath"]["path"].stringValue,
                let device = subject.devicePaths.first(where: { path == $0 || path.hasPrefix($0 + "/") || $0.hasPrefix(path + "/") }) {
                found.append(.usesDevice(device))
            }
        }
        let selector = (spec["nodeSelector"].objectValue ?? [:]).compactMapValues(\.stringValue)
        if selector["kubernetes.io/hostname"] == subject.sourceHostname {
            found.append(.pinsSource("nodeSelector kubernetes.io/hostname=\(subject.sourceHostname)"))
        } else if spec["affinity"]["nodeAffinity"].serialized.contains("\"\(subject.sourceHostname)\"") {
            found.append(.pinsSource("node affinity on \(subject.sourceHostname)"))
        }
        if let label = subject.nodeLabel, selector[label.key] == label.value {
            found.append(.selectsLabel("nodeSelector \(label)"))
        }
        let containers = (spec["initContainers"].arrayValue ?? []) + (spec["containers"].arrayValue ?? [])
        for resource in subject.extendedResources {
            if containers.contains(where: { !$0["resources"]["limits"][resource].isNull || !$0["resources"]["requests"][resource].isNull }) {
                found.append(.usesDevice(resource))
            }
        }
        if let how = names(subject, in: containers) { found.append(.namesWorkload(how)) }
        var unique: [Way] = []
        for way in found where !unique.contains(way) { unique.append(way) }
        return unique.map(WorkloadTouch.init)
    }

    /// The first word of a command, args or env value that refers to the workload:
    /// `deployment/frigate` (and kubectl's other spellings), or a label selector
    /// (`-l app=frigate`, `--selector=app=frigate`) that matches its pods.
    static func names(_ subject: Subject, in containers: [JSON]) -> String? {
        let kind = subject.kind.lowercased()
        let spellings = [kind, kind + "s", kind + ".apps", kind + "s.apps", kind == "deployment" ? "deploy" : "sts"]
        let references = Set(spellings.map { "\($0)/\(subject.name)" })
        var words: [String] = []
        for container in containers {
            for part in (container["command"].arrayValue ?? []) + (container["args"].arrayValue ?? []) {
                words += (part.stringValue ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ";" }).map(String.init)
            }
            for variable in container["env"].arrayValue ?? [] {
                words += (variable["value"].stringValue ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            }
        }
        for (index, raw) in words.enumerated() {
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`"))
            if references.contains(word) { return word }
            if spellings.contains(word), index + 1 < words.count,
                words[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) == subject.name {
                return "\(word) \(subject.name)"
            }
            var selector: String?
            if word.hasPrefix("--selector=") { selector = String(word.dropFirst("--selector=".count)) }
            else if word.hasPrefix("-l") && word.count > 2 && word.contains("=") { selector = String(word.dropFirst(2)) }
            else if word == "-l" || word == "--selector", index + 1 < words.count { selector = words[index + 1] }
            if let selector, matches(selector.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")), subject.podLabels) {
                return "selector \(selector)"
            }
        }
        return nil
    }

    /// Whether an equality-based selector (`a=b,c==d`) selects pods with `labels`.
    static func matches(_ selector: String, _ labels: [String: String]) -> Bool {
        let terms = selector.split(separator: ",").map(String.init)
        guard !terms.isEmpty else { return false }
        return terms.allSatisfy { term in
            let parts = term.replacingOccurrences(of: "==", with: "=").split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 && !parts[0].contains("!") && labels[parts[0]] == parts[1]
        }
    }
}

extension WorkloadTouch.Subject {
    /// The workload as its live object and the plan describe it.
    init(workload: JSON, plan: MigrationPlan, sourceHostname: String) {
        let template = workload["spec"]["template"]
        let spec = template["spec"]
        let devicePrefixes = DeviceDiscovery.usbPaths + DeviceDiscovery.gpuPaths
        var devicePaths: [String] = []
        for volume in spec["volumes"].arrayValue ?? [] {
            guard let path = volume["hostPath"]["path"].stringValue, devicePrefixes.contains(where: { path.hasPrefix($0) }) else { continue }
            if !devicePaths.contains(path) { devicePaths.append(path) }
        }
        var resources: [String] = []
        for container in spec["containers"].arrayValue ?? [] {
            for section in ["limits", "requests"] {
                for key in (container["resources"][section].objectValue ?? [:]).keys.sorted()
                where ExtendedResource.isExtended(key) && !resources.contains(key) {
                    resources.append(key)
                }
            }
        }
        self.init(
            kind: plan.workload.kind.rawValue, name: plan.workload.name,
            claims: (spec["volumes"].arrayValue ?? []).compactMap { $0["persistentVolumeClaim"]["claimName"].stringValue },
            podLabels: (template["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue),
            sourceHostname: sourceHostname, nodeLabel: plan.nodeLabel, devicePaths: devicePaths, extendedResources: resources)
    }
}
