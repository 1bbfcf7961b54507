import Foundation
import FerryJSON

/// Nodes, Namespaces, Events and RuntimeClasses: printNode, printNamespace,
/// printEvent, printRuntimeClass.
extension TableConverter {
    static let nodePrinter = Printer(
        columns: [
            .name,
            Column(name: "Status", type: "string", description: "The status of the node"),
            Column(name: "Roles", type: "string", description: "The roles of the node"),
            .age,
            Column(name: "Version", type: "string", description: "Kubelet Version reported by the node."),
            Column(name: "Internal-IP", type: "string", description: Docs.nodeAddresses, priority: 1),
            Column(name: "External-IP", type: "string", description: Docs.nodeAddresses, priority: 1),
            Column(
                name: "OS-Image", type: "string",
                description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
            Column(
                name: "Kernel-Version", type: "string",
                description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
            Column(
                name: "Container-Runtime", type: "string",
                description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
                priority: 1),
        ],
        row: { node, now in
            let info = node["status"]["nodeInfo"]
            return PrintedRow(cells: [
                name(node), .string(nodeStatus(node)), .string(nodeRoles(node)), age(node, now),
                .string(info["kubeletVersion"].stringValue ?? ""),
                .string(nodeAddress(node, type: "InternalIP")), .string(nodeAddress(node, type: "ExternalIP")),
                .string(string(info["osImage"], or: "<unknown>")),
                .string(string(info["kernelVersion"], or: "<unknown>")),
                .string(string(info["containerRuntimeVersion"], or: "<unknown>")),
            ])
        }
    )

    /// "Ready", "NotReady" or "Unknown", then ",SchedulingDisabled" when cordoned.
    static func nodeStatus(_ node: JSON) -> String {
        var status: [String] = []
        if let ready = (node["status"]["conditions"].arrayValue ?? []).last(where: { $0["type"] == "Ready" }) {
            status.append(ready["status"] == "True" ? "Ready" : "NotReady")
        } else {
            status.append("Unknown")
        }
        if node["spec"]["unschedulable"].boolValue == true { status.append("SchedulingDisabled") }
        return status.joined(separator: ",")
    }

    /// Roles from `node-role.kubernetes.io/<role>` label keys and the
    /// `kubernetes.io/role` label value, sorted; "<none>" without any.
    static func nodeRoles(_ node: JSON) -> String {
        var roles = Set<String>()
        for (key, value) in node["metadata"]["labels"].objectValue ?? [:] {
            if key.hasPrefix("node-role.kubernetes.io/") {
                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", let role = value.stringValue, !role.isEmpty {
                roles.insert(role)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    static func nodeAddress(_ node: JSON, type: String) -> String {
        (node["status"]["addresses"].arrayValue ?? []).first { $0["type"].stringValue == type }?["address"].stringValue
            ?? "<none>"
    }

    static let namespacePrinter = Printer(
        columns: [.name, Column(name: "Status", type: "string", description: "The status of the namespace"), .age],
        row: { object, now in
            PrintedRow(cells: [name(object), .string(object["status"]["phase"].stringValue ?? ""), age(object, now)])
        }
    )

    static let eventPrinter = Printer(
        columns: [
            Column(name: "Last Seen", type: "string", description: "The time at which the most recent occurrence of this event was recorded."),
            Column(name: "Type", type: "string", description: "Type of this event (Normal, Warning), new types could be added in the future"),
            Column(
                name: "Reason", type: "string",
                description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            Column(name: "Object", type: "string", description: "The object that this event is about."),
            Column(
                name: "Subobject", type: "string",
                description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
                priority: 1),
            Column(
                name: "Source", type: "string",
                description: "The component reporting this event. Should be a short machine understandable string.", priority: 1),
            Column(name: "Message", type: "string", description: "A human-readable description of the status of this operation."),
            Column(
                name: "First Seen", type: "string",
                description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
            Column(name: "Count", type: "string", description: "The number of times this event has occurred.", priority: 1),
            Column(name: "Name", type: "string", format: "name", description: Docs.name, priority: 1),
        ],
        row: { event, now in printEvent(event, now: now) }
    )

    static func printEvent(_ event: JSON, now: Date) -> PrintedRow {
        var first = since(event["firstTimestamp"], now)
        if parseTime(event["firstTimestamp"]) == nil { first = since(event["eventTime"], now) }
        var last = since(event["lastTimestamp"], now)
        if parseTime(event["lastTimestamp"]) == nil { last = first }
        var count = int(event["count"])
        if event["series"].objectValue != nil {
            last = since(event["series"]["lastObservedTime"], now)
            count = int(event["series"]["count"])
        } else if count == 0 {
            count = 1
        }
        let involved = event["involvedObject"]
        let kind = (involved["kind"].stringValue ?? "").lowercased()
        let target = string(involved["name"]).isEmpty ? kind : "\(kind)/\(string(involved["name"]))"
        let component = string(event["source"]["component"], or: string(event["reportingComponent"]))
        let host = string(event["source"]["host"], or: string(event["reportingInstance"]))
        let source = host.isEmpty ? component : "\(component), \(host)"
        return PrintedRow(cells: [
            .string(last), .string(string(event["type"])), .string(string(event["reason"])), .string(target),
            .string(string(involved["fieldPath"])), .string(source),
            .string((event["message"].stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)),
            .string(first), .int(count), name(event),
        ])
    }

    static let runtimeClassPrinter = Printer(
        // The real printer takes Handler's description from ObjectMeta's docs, which have none.
        columns: [.name, Column(name: "Handler", type: "string", description: ""), .age],
        row: { object, now in
            PrintedRow(cells: [name(object), .string(object["handler"].stringValue ?? ""), age(object, now)])
        }
    )
}

extension TableConverter.Docs {
    static let nodeAddresses =
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)."
}
