import FerryJSON
import FerryKube

/// The checks that prove the move worked, each with why it proves it.
struct CheckFinding: Sendable {
    var checks: [MigrationPlan.Check] = []
    var itemNotes: [String] = []
    var sectionNotes: [String] = []
}

extension PlanDiscovery {
    static let services = ResourceType(group: "", version: "v1", resource: "services", kind: "Service", namespaced: true)

    /// Known applications using known hardware: the log line that says the
    /// application found the device, and its HTTP API behind a Service that selects the pods.
    func verification(of workload: WorkloadFacts, hardware: [KnownHardware]) async throws -> CheckFinding {
        var finding = CheckFinding()
        let containers = workload.podTemplate["spec"]["containers"].arrayValue ?? []
        for device in hardware {
            for check in device.checks {
                for container in containers {
                    guard let image = container["image"].stringValue, image.contains(check.image), let name = container["name"].stringValue
                    else { continue }
                    finding.checks.append(MigrationPlan.Check(.log(check.log), container: name, timeout: check.timeout))
                    finding.itemNotes.append("\(check.application) (container \(name), \(image)) logs \"\(check.log)\" once it has opened the \(device.title).")
                    guard let api = check.api else { continue }
                    if let service = try await service(for: workload, port: api.port) {
                        let url = "http://\(service.name).\(workload.namespace).svc:\(service.port)\(api.path)"
                        finding.checks.append(MigrationPlan.Check(.http(url: url, from: .cluster, status: 200)))
                        finding.itemNotes.append("\(check.application) answers \(api.path) on port \(api.port), behind Service \(service.name).")
                    } else {
                        finding.sectionNotes.append(
                            "no Service selects the pods on port \(api.port), so no HTTP check of \(check.application)'s \(api.path): add one if you want it.")
                    }
                }
            }
        }
        if finding.checks.isEmpty {
            finding.sectionNotes.append("ferry knows no check for this workload: add a log line, an HTTP endpoint or a command that proves it works.")
        }
        return finding
    }

    /// A Service whose selector picks the workload's pods and which exposes `port`
    /// (as its port or its target port).
    private func service(for workload: WorkloadFacts, port: Int) async throws -> (name: String, port: Int)? {
        let labels = (workload.podTemplate["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        let services = try await reading("the Services of namespace \(workload.namespace)") {
            try await kube.list(Self.services, namespace: workload.namespace).items
        }
        for service in services.sorted(by: { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }) {
            let selector = (service["spec"]["selector"].objectValue ?? [:]).compactMapValues(\.stringValue)
            guard !selector.isEmpty, selector.allSatisfy({ labels[$0.key] == $0.value }), let name = service["metadata"]["name"].stringValue
            else { continue }
            for entry in service["spec"]["ports"].arrayValue ?? [] {
                guard let servicePort = entry["port"].intValue else { continue }
                if servicePort == port || entry["targetPort"].intValue == Int64(port) { return (name, Int(servicePort)) }
            }
        }
        return nil
    }
}
