import FerryJSON

/// The defaults the apiserver fills into a pod spec, so that `kubectl get -o yaml`
/// shows what users see on a real cluster and controllers can rely on them.
enum PodDefaults {
    static func apply(to pod: inout JSON) {
        var spec = pod["spec"]
        apply(toSpec: &spec)
        pod["spec"] = spec
        pod["status"] = ["phase": "Pending", "qosClass": .string(qosClass(spec))]
    }

    static func apply(toTemplateOf workload: inout JSON) {
        var spec = workload["spec"]["template"]["spec"]
        guard spec != .null else { return }
        apply(toSpec: &spec)
        workload[path: ["spec", "template", "spec"]] = spec
    }

    private static func apply(toSpec spec: inout JSON) {
        let defaults: [String: JSON] = [
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler", "securityContext": .emptyObject, "enableServiceLinks": true,
        ]
        for (key, value) in defaults where spec[key] == .null { spec[key] = value }
        for key in ["containers", "initContainers"] {
            guard let containers = spec[key].arrayValue else { continue }
            spec[key] = .array(containers.map { container in
                var c = container
                if c["imagePullPolicy"] == .null {
                    let image = c["image"].stringValue ?? ""
                    c["imagePullPolicy"] = image.hasSuffix(":latest") || !image.contains(":") ? "Always" : "IfNotPresent"
                }
                if c["terminationMessagePath"] == .null { c["terminationMessagePath"] = "/dev/termination-log" }
                if c["terminationMessagePolicy"] == .null { c["terminationMessagePolicy"] = "File" }
                if c["resources"] == .null { c["resources"] = .emptyObject }
                return c
            })
        }
    }

    /// Guaranteed when every container's limits equal its requests, BestEffort when
    /// none sets any, Burstable otherwise.
    static func qosClass(_ spec: JSON) -> String {
        let containers = spec["containers"].arrayValue ?? []
        let resources = containers.map { $0["resources"] }
        if resources.allSatisfy({ ($0["requests"].objectValue ?? [:]).isEmpty && ($0["limits"].objectValue ?? [:]).isEmpty }) {
            return "BestEffort"
        }
        let guaranteed = resources.allSatisfy { r in
            let limits = r["limits"].objectValue ?? [:]
            let requests = r["requests"].objectValue ?? limits
            return limits["cpu"] != nil && limits["memory"] != nil && limits == requests.merging(limits) { a, _ in a }
        }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
