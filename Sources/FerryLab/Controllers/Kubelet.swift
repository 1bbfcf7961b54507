import Foundation
import FerryJSON

/// One node's kubelet: it starts the containers of the pods bound to its node after
/// the configured delay, keeps their status (phase, readiness, restarts,
/// CrashLoopBackOff with a growing back-off), writes what they print to `PodLogs`,
/// and finishes the deletion of its pods. While its node is not Ready (the VM is
/// off), it does nothing, as a dead kubelet does: pods there stay as they were and
/// deleted ones stay Terminating.
struct Kubelet: Controller {
    let node: String
    let store: ObjectStore
    let logs: PodLogs
    let runtimes: [any ContainerRuntime]
    let filesystem: NodeFilesystem
    let timing: LabConfiguration.Timing
    let loop: ControllerLoop
    let state: KubeletState
    let events: EventRecorder

    init(
        node: String, store: ObjectStore, logs: PodLogs, runtimes: [any ContainerRuntime], filesystem: NodeFilesystem,
        timing: LabConfiguration.Timing, loop: ControllerLoop
    ) {
        self.node = node
        self.store = store
        self.logs = logs
        self.runtimes = runtimes
        self.filesystem = filesystem
        self.timing = timing
        self.loop = loop
        self.state = KubeletState()
        self.events = EventRecorder(store: store, component: "kubelet", host: node)
    }

    func reconcile() async {
        guard let nodeObject = await store.find(ObjectKey(ResourceCatalog.nodes, name: node)),
            nodeObject.condition("Ready")?["status"].stringValue == "True"
        else { return }
        let pods = await store.list(ResourceCatalog.pods).filter { $0["spec"]["nodeName"].stringValue == node }
        let live = Set(pods.map(\.uid))
        await state.forget(except: live)
        for runtime in runtimes { await runtime.release(node: node, keeping: live) }
        for pod in pods {
            if pod.isDeleting {
                await terminate(pod)
            } else if !ObjectStore.isTerminated(pod) {
                await run(pod, on: nodeObject)
            }
        }
    }

    // MARK: Termination

    private func terminate(_ pod: JSON) async {
        let now = Date()
        let deadline = await state.terminationDeadline(pod.uid, default: now.addingTimeInterval(timing.podTermination.seconds))
        var stopped = true
        for runtime in runtimes where !(await runtime.stop(pod: pod, node: node)) { stopped = false }
        if !stopped, let killAt = pod["metadata"]["deletionTimestamp"].stringValue.flatMap(Timestamp.parse), killAt > now {
            // The runtime pokes the loop when the containers exit; this is for the SIGKILL.
            loop.wake(after: .seconds(killAt.timeIntervalSince(now) + 0.01))
        }
        if now < deadline {
            loop.wake(after: .seconds(deadline.timeIntervalSince(now)))
            return
        }
        guard stopped else { return }
        await logs.forget(namespace: pod.namespace, pod: pod.name)
        _ = try? await store.delete(
            ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name), gracePeriod: 0, preconditionUID: pod.uid)
    }

    // MARK: Running

    private func run(_ pod: JSON, on nodeObject: JSON) async {
        let now = Date()
        let key = ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name)
        guard let startAt = await state.startTime(pod.uid) else {
            // A new pod starts a new log, also when an earlier pod had its name (one
            // deleted once it had ended never went through `terminate`).
            await logs.forget(namespace: pod.namespace, pod: pod.name)
            await state.schedule(pod.uid, at: now.addingTimeInterval(timing.containerStart.seconds))
            let podIP = await state.podIP(pod.uid, cidr: nodeObject["spec"]["podCIDR"].stringValue ?? "127.42.0.0/24")
            let hostIP = nodeObject["status"]["addresses"].arrayValue?.first { $0["type"].stringValue == "InternalIP" }?["address"] ?? .null
            await store.modify(key, subresource: "status") { pod in
                pod[path: ["status", "phase"]] = "Pending"
                pod[path: ["status", "hostIP"]] = hostIP
                pod[path: ["status", "podIP"]] = .string(podIP)
                pod[path: ["status", "podIPs"]] = [["ip": .string(podIP)]]
                pod[path: ["status", "startTime"]] = .string(Timestamp.string(now))
                let inits = pod["spec"]["initContainers"].arrayValue ?? []
                Self.setPodConditions(&pod, ready: false, now: Timestamp.string(now), uninitialized: inits.compactMap { $0["name"].stringValue })
                let waiting: JSON = ["waiting": ["reason": inits.isEmpty ? "ContainerCreating" : "PodInitializing"]]
                pod[path: ["status", "containerStatuses"]] = .array((pod["spec"]["containers"].arrayValue ?? []).map {
                    Self.containerStatus($0, state: waiting, ready: false, restarts: 0)
                })
                if !inits.isEmpty {
                    pod[path: ["status", "initContainerStatuses"]] = .array(inits.map {
                        Self.containerStatus($0, state: ["waiting": ["reason": "PodInitializing"]], ready: false, restarts: 0)
                    })
                }
            }
            if let pending = await store.find(key) {
                for container in (pending["spec"]["initContainers"].arrayValue ?? []) + (pending["spec"]["containers"].arrayValue ?? []) {
                    for runtime in runtimes { await runtime.prepare(container: container, pod: pending, node: node) }
                }
            }
            loop.wake(after: timing.containerStart)
            return
        }
        if let problem = await sandboxProblem(pod, nodeObject: nodeObject) {
            await events.record(pod, kind: ResourceCatalog.pods, type: "Warning", reason: problem.reason, message: problem.message)
            return
        }
        if now < startAt {
            loop.wake(after: .seconds(startAt.timeIntervalSince(now)))
            return
        }
        guard await runInitContainers(pod, key: key, now: now), let initialized = await store.find(key), initialized.uid == pod.uid else { return }
        await startContainers(initialized, key: key, now: now)
    }

    /// Containers that are not running (never started, or due after a back-off) start now.
    private func startContainers(_ pod: JSON, key: ObjectKey, now: Date) async {
        let statuses = pod["status"]["containerStatuses"].arrayValue ?? []
        var updated: [JSON] = []
        var nextWake: Duration?
        for container in pod["spec"]["containers"].arrayValue ?? [] {
            let name = container["name"].stringValue ?? ""
            let current = statuses.first { $0["name"].stringValue == name } ?? .null
            let restarts = current["restartCount"].intValue ?? 0
            let lastExit = current["lastState"]["terminated"] != .null
            var outcome = ContainerOutcome.running(log: [])
            if current["state"]["running"] != .null {
                guard let ended = await checkRunning(container, pod: pod) else {
                    updated.append(current)
                    continue
                }
                outcome = ended
            } else {
                if lastExit { await logs.restart(namespace: pod.namespace, pod: pod.name, container: name) }
                for runtime in runtimes {
                    if let answer = await runtime.start(container: container, pod: pod, node: node) { outcome = answer; break }
                }
            }
            let stamp = Timestamp.string(now)
            let startedAt = current["state"]["running"]["startedAt"].stringValue ?? stamp
            switch outcome {
            case .running(let log):
                for line in log { await logs.append(line, namespace: pod.namespace, pod: pod.name, container: name) }
                var status = Self.containerStatus(container, state: ["running": ["startedAt": .string(stamp)]], ready: true, restarts: restarts)
                if lastExit { status["lastState"] = current["lastState"] }
                updated.append(status)
            case .exited(let code, let log):
                for line in log { await logs.append(line, namespace: pod.namespace, pod: pod.name, container: name) }
                let restartPolicy = pod["spec"]["restartPolicy"].stringValue ?? "Always"
                let terminated: JSON = [
                    "exitCode": .int(Int64(code)), "reason": code == 0 ? "Completed" : "Error",
                    "startedAt": .string(startedAt), "finishedAt": .string(stamp),
                ]
                if restartPolicy == "Always" || (restartPolicy == "OnFailure" && code != 0) {
                    let backoff = backoff(forRestart: restarts + 1)
                    nextWake = min(nextWake ?? backoff, backoff)
                    let message = "back-off \(Int(backoff.seconds.rounded(.up)))s restarting failed container=\(name) pod=\(pod.name)_\(pod.namespace)(\(pod.uid))"
                    var status = Self.containerStatus(
                        container, state: ["waiting": ["reason": "CrashLoopBackOff", "message": .string(message)]], ready: false,
                        restarts: restarts + 1)
                    status["lastState"] = ["terminated": terminated]
                    updated.append(status)
                    await events.record(
                        pod, kind: ResourceCatalog.pods, type: "Warning", reason: "BackOff",
                        message: "Back-off restarting failed container \(name) in pod \(pod.name)_\(pod.namespace)(\(pod.uid))")
                } else {
                    updated.append(Self.containerStatus(container, state: ["terminated": terminated], ready: false, restarts: restarts))
                }
            case .notCreated(let waiting, let event, let message):
                await events.record(pod, kind: ResourceCatalog.pods, type: "Warning", reason: event, message: message)
                var status = Self.containerStatus(
                    container, state: ["waiting": ["reason": .string(waiting), "message": .string(message)]], ready: false,
                    restarts: restarts)
                if lastExit { status["lastState"] = current["lastState"] }
                updated.append(status)
                let backoff = backoff(forRestart: restarts + 1)
                nextWake = min(nextWake ?? backoff, backoff)
            }
        }
        if let nextWake {
            await state.schedule(pod.uid, at: now.addingTimeInterval(nextWake.seconds))
            loop.wake(after: nextWake)
        }
        let allReady = updated.allSatisfy { $0["ready"].boolValue == true }
        let allDone = updated.allSatisfy { $0["state"]["terminated"] != .null }
        let anyFailed = updated.contains { ($0["state"]["terminated"]["exitCode"].intValue ?? 0) != 0 }
        let neverStarted = updated.allSatisfy { $0["state"]["waiting"] != .null && $0["lastState"]["terminated"] == .null }
        let phase = allDone ? (anyFailed ? "Failed" : "Succeeded") : neverStarted ? "Pending" : "Running"
        await store.modify(key, subresource: "status") { pod in
            pod[path: ["status", "containerStatuses"]] = .array(updated)
            pod[path: ["status", "phase"]] = .string(phase)
            Self.setPodConditions(&pod, ready: allReady, now: Timestamp.string(now))
        }
    }

    /// How a running container ended since the last round, if it did.
    func checkRunning(_ container: JSON, pod: JSON) async -> ContainerOutcome? {
        for runtime in runtimes {
            if let ended = await runtime.check(container: container, pod: pod, node: node) { return ended }
        }
        return nil
    }

    func backoff(forRestart restart: Int64) -> Duration {
        var delay = timing.crashBackoff
        for _ in 1..<max(restart, 1) where delay < timing.crashBackoffMax { delay = delay * 2 }
        return min(delay, timing.crashBackoffMax)
    }

    /// Why the pod's sandbox cannot be set up on this node, worded as kubelet events.
    private func sandboxProblem(_ pod: JSON, nodeObject: JSON) async -> (reason: String, message: String)? {
        if let runtimeClassName = pod["spec"]["runtimeClassName"].stringValue,
            let runtimeClass = await store.find(ObjectKey(ResourceCatalog.runtimeClasses, name: runtimeClassName))
        {
            let handler = runtimeClass["handler"].stringValue ?? runtimeClassName
            let handlers = (nodeObject["status"]["runtimeHandlers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
            if !handlers.contains(handler) {
                return ("FailedCreatePodSandBox",
                        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for \"\(handler)\" is configured")
            }
        }
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            let name = volume["name"].stringValue ?? ""
            guard let path = volume["hostPath"]["path"].stringValue else { continue }
            let type = volume["hostPath"]["type"].stringValue ?? ""
            if type == "DirectoryOrCreate" {
                try? filesystem.createDirectory(node: node, path: path)
            } else if !type.isEmpty, !filesystem.exists(node: node, path: path) {
                let what = type == "CharDevice" ? "a character device" : type == "File" ? "a file" : "a directory"
                return ("FailedMount",
                        "MountVolume.SetUp failed for volume \"\(name)\" : hostPath type check failed: \(path) is not \(what)")
            }
        }
        return nil
    }

    static func containerStatus(_ container: JSON, state: JSON, ready: Bool, restarts: Int64) -> JSON {
        let name = container["name"].stringValue ?? ""
        return [
            "name": .string(name), "image": container["image"], "imageID": container["image"],
            "containerID": .string("containerd://" + String(UInt64.random(in: 1...UInt64.max), radix: 16)),
            "ready": .bool(ready), "started": .bool(state["running"] != .null), "restartCount": .int(restarts),
            "state": state, "lastState": .emptyObject,
        ]
    }

    /// `uninitialized`: the init containers that have not completed yet.
    static func setPodConditions(_ pod: inout JSON, ready: Bool, now: String, uninitialized: [String] = []) {
        pod.setCondition("PodReadyToStartContainers", status: true, reason: "", message: "", now: now)
        if uninitialized.isEmpty {
            pod.setCondition("Initialized", status: true, reason: "", message: "", now: now)
        } else {
            pod.setCondition(
                "Initialized", status: false, reason: "ContainersNotInitialized",
                message: "containers with incomplete status: [\(uninitialized.joined(separator: " "))]", now: now)
        }
        let reason = ready ? "" : "ContainersNotReady"
        pod.setCondition("ContainersReady", status: ready, reason: reason, message: "", now: now)
        pod.setCondition("Ready", status: ready, reason: reason, message: "", now: now)
        pod.setCondition("PodScheduled", status: true, reason: "", message: "", now: now)
        pod[path: ["status", "conditions"]] = .array((pod["status"]["conditions"].arrayValue ?? []).map { condition in
            condition.objectValue!.filter { !($0.value.stringValue?.isEmpty ?? false) }.reduce(into: JSON.emptyObject) { $0[$1.key] = $1.value }
        })
    }
}

/// What a kubelet remembers between rounds: when each pod's containers are due to
/// (re)start, when its termination completes, and the IPs it handed out.
actor KubeletState {
    private var due: [String: Date] = [:]
    private var terminating: [String: Date] = [:]
    private var addresses = PodAddresses()

    func startTime(_ uid: String) -> Date? { due[uid] }

    func schedule(_ uid: String, at date: Date) { due[uid] = date }

    func terminationDeadline(_ uid: String, default deadline: Date) -> Date {
        if let existing = terminating[uid] { return existing }
        terminating[uid] = deadline
        return deadline
    }

    func podIP(_ uid: String, cidr: String) -> String {
        addresses.address(for: uid, cidr: cidr)
    }

    func forget(except live: Set<String>) {
        due = due.filter { live.contains($0.key) }
        terminating = terminating.filter { live.contains($0.key) }
        addresses.forget(except: live)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
