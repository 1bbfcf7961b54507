import FerryJSON
import Foundation

/// Init containers, as a kubelet runs them: one at a time in their order, each
/// started only once the one before exited 0, all before the pod's containers. A
/// failing one is restarted after a back-off (CrashLoopBackOff), unless the pod's
/// `restartPolicy` is Never: then the pod is Failed. Until the last one completed
/// the pod is Pending and its `Initialized` condition False, which `kubectl get`
/// shows as `Init:N/M`. They share the pod's volumes, mounted as for any container.
extension Kubelet {
    /// One round of the pod's init containers. True once all have completed.
    func runInitContainers(_ pod: JSON, key: ObjectKey, now: Date) async -> Bool {
        let specs = pod["spec"]["initContainers"].arrayValue ?? []
        guard !specs.isEmpty else { return true }
        let previous = pod["status"]["initContainerStatuses"].arrayValue ?? []
        var statuses: [String: JSON] = [:]
        for status in previous { if let name = status["name"].stringValue { statuses[name] = status } }
        let restartPolicy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
        let stamp = Timestamp.string(now)
        var failed = false
        var complete = true
        var nextWake: Duration?
        containers: for container in specs {
            let name = container["name"].stringValue ?? ""
            let current = statuses[name] ?? .null
            if current["state"]["terminated"] != .null, (current["state"]["terminated"]["exitCode"].intValue ?? 1) == 0 { continue }
            complete = false
            let restarts = current["restartCount"].intValue ?? 0
            let lastExit = current["lastState"]["terminated"] != .null
            var outcome = ContainerOutcome.running(log: [])
            if current["state"]["running"] != .null {
                guard let ended = await checkRunning(container, pod: pod) else { break }
                outcome = ended
            } else {
                if lastExit { await logs.restart(namespace: pod.namespace, pod: pod.name, container: name) }
                for runtime in runtimes {
                    if let answer = await runtime.start(container: container, pod: pod, node: node) { outcome = answer; break }
                }
            }
            let startedAt = current["state"]["running"]["startedAt"].stringValue ?? stamp
            switch outcome {
            case .running(let log):
                for line in log { await logs.append(line, namespace: pod.namespace, pod: pod.name, container: name) }
                var status = Self.containerStatus(container, state: ["running": ["startedAt": .string(stamp)]], ready: false, restarts: restarts)
                if lastExit { status["lastState"] = current["lastState"] }
                statuses[name] = status
                break containers
            case .exited(let code, let log):
                for line in log { await logs.append(line, namespace: pod.namespace, pod: pod.name, container: name) }
                let terminated: JSON = [
                    "exitCode": .int(Int64(code)), "reason": code == 0 ? "Completed" : "Error",
                    "startedAt": .string(startedAt), "finishedAt": .string(stamp),
                ]
                if code == 0 {
                    var status = Self.containerStatus(container, state: ["terminated": terminated], ready: true, restarts: restarts)
                    if lastExit { status["lastState"] = current["lastState"] }
                    statuses[name] = status
                    complete = true
                    continue containers
                }
                if restartPolicy == "Never" {
                    statuses[name] = Self.containerStatus(container, state: ["terminated": terminated], ready: false, restarts: restarts)
                    failed = true
                    break containers
                }
                let backoff = backoff(forRestart: restarts + 1)
                nextWake = backoff
                let message = "back-off \(Int(backoff.seconds.rounded(.up)))s restarting failed container=\(name) pod=\(pod.name)_\(pod.namespace)(\(pod.uid))"
                var status = Self.containerStatus(
                    container, state: ["waiting": ["reason": "CrashLoopBackOff", "message": .string(message)]], ready: false,
                    restarts: restarts + 1)
                status["lastState"] = ["terminated": terminated]
                statuses[name] = status
                await events.record(
                    pod, kind: ResourceCatalog.pods, type: "Warning", reason: "BackOff",
                    message: "Back-off restarting failed container \(name) in pod \(pod.name)_\(pod.namespace)(\(pod.uid))")
                break containers
            case .notCreated(let waiting, let event, let message):
                await events.record(pod, kind: ResourceCatalog.pods, type: "Warning", reason: event, message: message)
                var status = Self.containerStatus(
                    container, state: ["waiting": ["reason": .string(waiting), "message": .string(message)]], ready: false, restarts: restarts)
                if lastExit { status["lastState"] = current["lastState"] }
                statuses[name] = status
                nextWake = backoff(forRestart: restarts + 1)
                break containers
            }
        }
        if let nextWake {
            await state.schedule(pod.uid, at: now.addingTimeInterval(nextWake.seconds))
            loop.wake(after: nextWake)
        }
        let ordered = specs.map { container -> JSON in
            let name = container["name"].stringValue ?? ""
            return statuses[name] ?? Self.containerStatus(container, state: ["waiting": ["reason": "PodInitializing"]], ready: false, restarts: 0)
        }
        let incomplete = ordered.filter { $0["state"]["terminated"]["exitCode"].intValue != 0 }.compactMap { $0["name"].stringValue }
        if ordered != previous || failed {
            await store.modify(key, subresource: "status") { pod in
                pod[path: ["status", "initContainerStatuses"]] = .array(ordered)
                if failed { pod[path: ["status", "phase"]] = "Failed" }
                Self.setPodConditions(&pod, ready: false, now: stamp, uninitialized: incomplete)
            }
        }
        return complete && !failed && incomplete.isEmpty
    }
}
