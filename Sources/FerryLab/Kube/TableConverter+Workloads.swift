import Foundation
import FerryJSON

/// Pods, Deployments, ReplicaSets and StatefulSets: printPod, printDeployment,
/// printReplicaSet, printStatefulSet.
extension TableConverter {
    static let podPrinter = Printer(
        columns: [
            .name,
            Column(name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic."),
            Column(name: "Status", type: "string", description: "The aggregate status of the containers in this pod."),
            Column(
                name: "Restarts", type: "string",
                description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            .age,
            Column(
                name: "IP", type: "string",
                description: "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
            Column(
                name: "Node", type: "string",
                description: "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
                priority: 1),
            Column(
                name: "Nominated Node", type: "string",
                description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
                priority: 1),
            Column(
                name: "Readiness Gates", type: "string",
                description: "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
                priority: 1),
        ],
        row: { pod, now in printPod(pod, now: now) }
    )

    /// printers.go printPod, field for field.
    static func printPod(_ pod: JSON, now: Date) -> PrintedRow {
        let spec = pod["spec"], status = pod["status"]
        let phase = status["phase"].stringValue ?? ""
        let conditions = status["conditions"].arrayValue ?? []
        var reason = string(status["reason"], or: phase)
        var restarts: Int64 = 0
        var restartableInitRestarts: Int64 = 0
        var readyContainers = 0
        var lastRestart: Date? = nil
        var lastRestartableInitRestart: Date? = nil

        if conditions.contains(where: { $0["type"] == "PodScheduled" && $0["reason"] == "SchedulingGated" }) {
            reason = "SchedulingGated"
        }

        var rowConditions: [JSON]? = nil
        if phase == "Succeeded" {
            rowConditions = [["type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."]]
        } else if phase == "Failed" {
            rowConditions = [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]]
        }

        let initSpecs = spec["initContainers"].arrayValue ?? []
        let restartable = Set(initSpecs.filter { $0["restartPolicy"] == "Always" }.compactMap { $0["name"].stringValue })
        let totalContainers = (spec["containers"].arrayValue ?? []).count + restartable.count

        func later(_ a: Date?, _ b: JSON) -> Date? {
            guard let t = parseTime(b) else { return a }
            guard let a else { return t }
            return max(a, t)
        }

        var initializing = false
        for (i, container) in (status["initContainerStatuses"].arrayValue ?? []).enumerated() {
            let name = container["name"].stringValue ?? ""
            let state = container["state"]
            let finished = container["lastState"]["terminated"]["finishedAt"]
            restarts += int(container["restartCount"])
            lastRestart = later(lastRestart, finished)
            if restartable.contains(name) {
                restartableInitRestarts += int(container["restartCount"])
                lastRestartableInitRestart = later(lastRestartableInitRestart, finished)
            }
            let terminated = state["terminated"], waiting = state["waiting"]
            if terminated.objectValue != nil && int(terminated["exitCode"]) == 0 {
                continue
            } else if restartable.contains(name) && container["started"].boolValue == true {
                if container["ready"].boolValue == true { readyContainers += 1 }
                continue
            } else if terminated.objectValue != nil {
                if let r = terminated["reason"].stringValue, !r.isEmpty {
                    reason = "Init:" + r
                } else if int(terminated["signal"]) != 0 {
                    reason = "Init:Signal:\(int(terminated["signal"]))"
                } else {
                    reason = "Init:ExitCode:\(int(terminated["exitCode"]))"
                }
            } else if let r = waiting["reason"].stringValue, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(i)/\(initSpecs.count)"
            }
            initializing = true
            break
        }

        let initialized = conditions.contains { $0["type"] == "Initialized" && $0["status"] == "True" }
        if !initializing || initialized {
            restarts = restartableInitRestarts
            lastRestart = lastRestartableInitRestart
            var hasRunning = false
            for container in (status["containerStatuses"].arrayValue ?? []).reversed() {
                let state = container["state"]
                restarts += int(container["restartCount"])
                lastRestart = later(lastRestart, container["lastState"]["terminated"]["finishedAt"])
                if let r = state["waiting"]["reason"].stringValue, !r.isEmpty {
                    reason = r
                } else if let r = state["terminated"]["reason"].stringValue, !r.isEmpty {
                    reason = r
                } else if state["terminated"].objectValue != nil {
                    let signal = int(state["terminated"]["signal"])
                    reason = signal != 0 ? "Signal:\(signal)" : "ExitCode:\(int(state["terminated"]["exitCode"]))"
                } else if container["ready"].boolValue == true && state["running"].objectValue != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            if reason == "Completed" && hasRunning {
                let podReady = conditions.contains { $0["type"] == "Ready" && $0["status"] == "True" }
                reason = podReady ? "Running" : "NotReady"
            }
        }

        let deleting = parseTime(pod["metadata"]["deletionTimestamp"]) != nil
        if deleting && status["reason"] == "NodeLost" {
            reason = "Unknown"
        } else if deleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }

        var restartsText = "\(restarts)"
        if restarts != 0, let lastRestart {
            restartsText = "\(restarts) (\(humanDuration(now.timeIntervalSince(lastRestart))) ago)"
        }

        var podIP = status["podIPs"].arrayValue?.first?["ip"].stringValue ?? ""
        if podIP.isEmpty { podIP = status["podIP"].stringValue ?? "" }

        var readinessGates = "<none>"
        let gates = spec["readinessGates"].arrayValue ?? []
        if !gates.isEmpty {
            let satisfied = gates.filter { gate in
                conditions.first { $0["type"] == gate["conditionType"] }?["status"] == "True"
            }.count
            readinessGates = "\(satisfied)/\(gates.count)"
        }

        let cells: [JSON] = [
            name(pod), .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText),
            age(pod, now),
            .string(podIP.isEmpty ? "<none>" : podIP),
            .string(string(spec["nodeName"], or: "<none>")),
            .string(string(status["nominatedNodeName"], or: "<none>")),
            .string(readinessGates),
        ]
        return PrintedRow(cells: cells, conditions: rowConditions)
    }

    static let deploymentPrinter = Printer(
        columns: [
            .name,
            Column(name: "Ready", type: "string", description: "Number of the pod with ready state"),
            Column(
                name: "Up-to-date", type: "string",
                description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            Column(
                name: "Available", type: "string",
                description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            .age,
            Column(name: "Containers", type: "string", description: Docs.containers, priority: 1),
            Column(name: "Images", type: "string", description: Docs.images, priority: 1),
            Column(
                name: "Selector", type: "string",
                description: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
                priority: 1),
        ],
        row: { object, now in
            let spec = object["spec"], status = object["status"]
            let (names, images) = containerCells(spec["template"]["spec"])
            return PrintedRow(cells: [
                name(object), .string("\(int(status["readyReplicas"]))/\(desiredReplicas(spec))"),
                .int(int(status["updatedReplicas"])), .int(int(status["availableReplicas"])), age(object, now),
                names, images, .string(formatSelector(spec["selector"])),
            ])
        }
    )

    /// spec.replicas, which the apiserver defaults to 1 when a manifest leaves it out.
    static func desiredReplicas(_ spec: JSON) -> Int64 {
        spec["replicas"].isNull ? 1 : int(spec["replicas"])
    }

    static let statefulSetPrinter = Printer(
        columns: [
            .name,
            Column(name: "Ready", type: "string", description: "Number of the pod with ready state"),
            .age,
            Column(name: "Containers", type: "string", description: Docs.containers, priority: 1),
            Column(name: "Images", type: "string", description: Docs.images, priority: 1),
        ],
        row: { object, now in
            let spec = object["spec"], status = object["status"]
            let (names, images) = containerCells(spec["template"]["spec"])
            return PrintedRow(cells: [
                name(object), .string("\(int(status["readyReplicas"]))/\(desiredReplicas(spec))"), age(object, now),
                names, images,
            ])
        }
    )

    static let replicaSetPrinter = Printer(
        columns: [
            .name,
            Column(name: "Desired", type: "integer", description: "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#what-is-a-replicaset"),
            Column(name: "Current", type: "integer", description: "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#what-is-a-replicaset"),
            Column(name: "Ready", type: "integer", description: "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
            .age,
            Column(name: "Containers", type: "string", description: Docs.containers, priority: 1),
            Column(name: "Images", type: "string", description: Docs.images, priority: 1),
            Column(
                name: "Selector", type: "string",
                description: "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
                priority: 1),
        ],
        row: { object, now in
            let spec = object["spec"], status = object["status"]
            let (names, images) = containerCells(spec["template"]["spec"])
            // metav1.FormatLabelSelector prints "<none>" for an empty selector.
            let selector = formatSelector(spec["selector"])
            return PrintedRow(cells: [
                name(object), .int(desiredReplicas(spec)), .int(int(status["replicas"])), .int(int(status["readyReplicas"])),
                age(object, now), names, images, .string(selector.isEmpty ? "<none>" : selector),
            ])
        }
    )
}
