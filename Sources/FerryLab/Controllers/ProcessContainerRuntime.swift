import Foundation
import FerryJSON

#if os(Linux)
import Glibc
import Synchronization

/// A container whose image the lab does not simulate, and that has a command, runs
/// for real: its `command` + `args` become a process of this machine (with the tools
/// of its image where the lab knows it, `ImageTools`; else this machine's), in a
/// filesystem of its own with its volumes mounted
/// (`PodSandbox`), with its environment (`ContainerEnvironment`), listening and
/// connecting on its pod's own loopback address (`PodAddresses`). This is what lets a
/// pair of helper pods copy a volume's real files over a real socket.
///
/// What it prints is the container's log as it prints it; its exit is the
/// container's termination (exit code, or 128 + signal); deleting the pod sends
/// SIGTERM to its process group and SIGKILL once the grace period is over; the lab's
/// `stop()` kills them all.
final class ProcessContainerRuntime: ContainerRuntime {
    let store: ObjectStore
    let logs: PodLogs
    let filesystem: NodeFilesystem
    let loop: ControllerLoop
    /// How long the sandbox may take to set up before the attempt is abandoned.
    let setupTimeout: Duration
    let images: ImageRoots

    private struct Entry {
        let child: LabProcess.Child
        let node: String
        let pod: String
        /// The sandbox's FIFO: its command runs once `start` writes to it.
        let go: URL
        var started = false
        var ended: LabProcess.Termination?
        var sent: Int32?
    }

    /// By pod uid and container name.
    private let processes = Mutex<[String: Entry]>([:])

    init(store: ObjectStore, logs: PodLogs, filesystem: NodeFilesystem, loop: ControllerLoop, setupTimeout: Duration = .seconds(10)) {
        self.store = store
        self.logs = logs
        self.filesystem = filesystem
        self.loop = loop
        self.setupTimeout = setupTimeout
        images = ImageRoots(directory: filesystem.root.appendingPathComponent("images"))
    }

    private static func key(_ pod: JSON, _ container: JSON) -> String {
        "\(pod.uid)/\(container["name"].stringValue ?? "")"
    }

    private static func hasCommand(_ container: JSON) -> Bool {
        !(container["command"].arrayValue ?? []).isEmpty || !(container["args"].arrayValue ?? []).isEmpty
    }

    /// Sets the sandbox up while the kubelet's start delay runs. What goes wrong here
    /// is left for `start` to find again and report.
    func prepare(container: JSON, pod: JSON, node: String) async {
        let key = Self.key(pod, container)
        guard Self.hasCommand(container), processes.withLock({ $0[key] == nil }) else { return }
        _ = await launch(container: container, pod: pod, node: node)
    }

    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        guard Self.hasCommand(container) else { return nil }
        let key = Self.key(pod, container)
        let name = container["name"].stringValue ?? ""
        let entry: Entry
        if let prepared = processes.withLock({ processes in processes[key].flatMap { $0.started ? nil : $0 } }) {
            entry = prepared
        } else {
            switch await launch(container: container, pod: pod, node: node) {
            case .failure(let failure): return failure.outcome
            case .success(let launched): entry = launched
            }
        }
        let child = entry.child
        let watchdog = Task { [setupTimeout] in
            try? await Task.sleep(for: setupTimeout)
            if !Task.isCancelled { child.signal(SIGKILL) }
        }
        let report = await child.report()
        watchdog.cancel()
        processes.withLock { $0[key]?.started = true }
        guard report == "ready\n", Self.release(entry.go) else {
            var printed: [String] = []
            for await line in child.output { printed.append(line) }
            _ = await child.termination()
            processes.withLock { _ = $0.removeValue(forKey: key) }
            return Self.setupFailure(report: report, printed: printed)
        }
        Task { [logs, loop] in
            for await line in child.output { await logs.append(line, namespace: pod.namespace, pod: pod.name, container: name) }
            let ended = await child.termination()
            processes.withLock { $0[key]?.ended = ended }
            loop.poke()
        }
        return .running(log: [])
    }

    private struct LaunchFailure: Error { let outcome: ContainerOutcome }

    /// Starts the container's sandbox, which sets up and then waits at its FIFO.
    private func launch(container: JSON, pod: JSON, node: String) async -> Result<Entry, LaunchFailure> {
        let environment: ContainerEnvironment
        let mounts: [ContainerMount]
        do {
            environment = try await ContainerEnvironment.make(container: container, pod: pod, store: store)
        } catch {
            return .failure(LaunchFailure(outcome: .notCreated(waiting: "CreateContainerConfigError", event: "Failed", message: "Error: \(error.message)")))
        }
        do {
            mounts = try await ContainerMounts.resolve(container: container, pod: pod, node: node, store: store, filesystem: filesystem)
        } catch {
            return .failure(LaunchFailure(outcome: .notCreated(waiting: "ContainerCreating", event: "FailedMount", message: error.message)))
        }
        guard let tools = PodSandbox.Tools.find() else {
            return .failure(LaunchFailure(outcome: Self.sandboxFailure(
                "the lab runs a container's command in a mount namespace of its own, with unshare, mount, mkdir and ln "
                    + "(util-linux, coreutils), and this machine lacks one of them")))
        }
        let image: ImageTools.Root?
        switch await images.root(for: ImageTools.of(image: container["image"].stringValue ?? "")) {
        case .success(let root): image = root
        case .failure(let missing): return .failure(LaunchFailure(outcome: Self.sandboxFailure(missing.message)))
        }
        let name = container["name"].stringValue ?? ""
        let directory = ContainerMounts.podDirectory(node: node, uid: pod.uid, filesystem: filesystem).appendingPathComponent("containers/\(name)")
        let root = directory.appendingPathComponent("rootfs")
        let go = directory.appendingPathComponent("go")
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            return .failure(LaunchFailure(outcome: Self.sandboxFailure("cannot create \(root.path): \(error.localizedDescription)")))
        }
        try? FileManager.default.removeItem(at: go)
        guard mkfifo(go.path, 0o600) == 0 else {
            return .failure(LaunchFailure(outcome: Self.sandboxFailure("cannot create the FIFO \(go.path): \(String(cString: strerror(errno)))")))
        }
        let sandbox = PodSandbox(
            root: root, mounts: mounts, workingDirectory: ContainerMounts.normalized(container["workingDir"].stringValue ?? "/"),
            hostname: ContainerEnvironment.hostname(of: pod), go: go, image: image)
        let child: LabProcess.Child
        do {
            child = try LabProcess.spawn(
                tools.unshare, sandbox.arguments(argv: environment.argv, tools: tools, asRoot: geteuid() == 0),
                environment: environment.variables, control: true)
        } catch {
            return .failure(LaunchFailure(outcome: Self.sandboxFailure("\(error)")))
        }
        let entry = Entry(child: child, node: node, pod: pod.uid, go: go)
        let key = Self.key(pod, container)
        processes.withLock { $0[key] = entry }
        // A sandbox that never started its command (its pod deleted during the delay,
        // its setup failed) ends here; a started one's end is recorded once its output
        // is in the log.
        Task { [loop] in
            let ended = await child.termination()
            processes.withLock { processes in
                if processes[key]?.started == false { processes[key]?.ended = ended }
            }
            loop.poke()
        }
        return .success(entry)
    }

    /// Lets a sandbox that reported `ready` run its command. False when nothing waits
    /// at the FIFO any more (the setup died after reporting).
    private static func release(_ go: URL) -> Bool {
        let descriptor = open(go.path, O_WRONLY | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "go\n", 3) == 3
    }

    func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        let key = Self.key(pod, container)
        let ended: LabProcess.Termination? = processes.withLock { processes in
            guard let ended = processes[key]?.ended else { return nil }
            processes.removeValue(forKey: key)
            return ended
        }
        return ended.map { .exited(code: Int($0.code), log: []) }
    }

    func stop(pod: JSON, node: String) async -> Bool {
        let killAt = pod["metadata"]["deletionTimestamp"].stringValue.flatMap(Timestamp.parse) ?? Date()
        let signal = Date() >= killAt ? SIGKILL : SIGTERM
        return processes.withLock { processes in
            var stopped = true
            for (key, entry) in processes where entry.pod == pod.uid {
                if entry.ended != nil {
                    processes.removeValue(forKey: key)
                    continue
                }
                stopped = false
                if entry.sent != signal && entry.sent != SIGKILL {
                    entry.child.signal(signal)
                    processes[key]?.sent = signal
                }
            }
            return stopped
        }
    }

    func release(node: String, keeping live: Set<String>) async {
        processes.withLock { processes in
            for (key, entry) in processes where entry.node == node && !live.contains(entry.pod) {
                entry.child.signal(SIGKILL)
                processes.removeValue(forKey: key)
            }
        }
        // The kubelet's directories of pods that are gone: emptyDirs, ConfigMap files, roots.
        let pods = filesystem.url(node: node, path: "/var/lib/kubelet/pods")
        for uid in (try? FileManager.default.contentsOfDirectory(atPath: pods.path)) ?? [] where !live.contains(uid) {
            try? FileManager.default.removeItem(at: pods.appendingPathComponent(uid))
        }
    }

    /// Kills every process this runtime started, at once: the lab is stopping.
    func killAll() {
        processes.withLock { processes in
            for entry in processes.values where entry.ended == nil { entry.child.signal(SIGKILL) }
        }
    }

    private static func sandboxFailure(_ message: String) -> ContainerOutcome {
        .notCreated(waiting: "ContainerCreating", event: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: \(message)")
    }

    /// What the setup reported on fd 3 instead of `ready`; when it never got to
    /// report (unshare itself failed), what was printed says why.
    static func setupFailure(report: String, printed: [String]) -> ContainerOutcome {
        var lines = report.split(separator: "\n").map(String.init)
        if let marker = lines.lastIndex(where: { $0.hasPrefix(PodSandbox.failedMountMarker) }) {
            let volume = String(lines[marker].dropFirst(PodSandbox.failedMountMarker.count))
            lines.remove(at: marker)
            let problem = ContainerMounts.Problem(volume: volume, reason: lines.joined(separator: "; "))
            return .notCreated(waiting: "ContainerCreating", event: "FailedMount", message: problem.message)
        }
        var why = (lines.isEmpty ? printed : lines).joined(separator: "; ")
        if why.isEmpty { why = "the sandbox setup ended without a word (killed, or it took too long)" }
        if why.contains("Operation not permitted") || why.contains("Permission denied") {
            why += " (a real pod needs a mount namespace: run the lab as root, or where unprivileged user namespaces are allowed)"
        }
        return sandboxFailure(why)
    }
}
#else
/// Real containers need Linux namespaces: elsewhere a container with a command is
/// not created, and says why.
final class ProcessContainerRuntime: ContainerRuntime {
    init(store: ObjectStore, logs: PodLogs, filesystem: NodeFilesystem, loop: ControllerLoop) {}

    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        let hasCommand = !(container["command"].arrayValue ?? []).isEmpty || !(container["args"].arrayValue ?? []).isEmpty
        guard hasCommand else { return nil }
        return .notCreated(
            waiting: "ContainerCreating", event: "FailedCreatePodSandBox",
            message: "Failed to create pod sandbox: the lab runs a container's command only on Linux (it needs mount namespaces)")
    }

    func killAll() {}
}
#endif
