import Foundation
import FerryJSON

/// The Kubernetes half of the lab: an HTTPS apiserver with its own CA, the
/// controllers that make a cluster move (scheduler, kubelets, ReplicaSets and
/// Deployments, StatefulSets, Jobs and CronJobs, Service endpoints, local-path
/// volumes, protection, garbage collection), and a kubeconfig written for it.
///
/// ```swift
/// let lab = try await KubeLab.start(LabConfiguration(directory: dir, nodes: [NodeSpec(name: "node-a")]))
/// // kubectl --kubeconfig \(lab.kubeconfigPath.path) get nodes
/// lab.stop()
/// ```
public final class KubeLab: Sendable {
    public let store: ObjectStore
    public let logs: PodLogs
    public let filesystem: NodeFilesystem
    public let configuration: LabConfiguration
    public let certificateAuthority: LabCertificateAuthority
    /// `https://127.0.0.1:PORT`
    public let serverURL: String
    public let kubeconfigPath: URL
    /// A bearer token the apiserver accepts for the admin user (kept in `pki/admin.token`, mode 0600).
    public let adminToken: String
    private let server: LabHTTPSServer<KubeAPIServer>
    private let controllers: Task<Void, Never>
    private let loop: ControllerLoop
    /// Runs the containers the lab does not simulate as real processes.
    private let processes: ProcessContainerRuntime
    /// The pod IPs' /16, held while the lab lives.
    private let network: PodNetwork

    private init(
        store: ObjectStore, logs: PodLogs, filesystem: NodeFilesystem, configuration: LabConfiguration,
        certificateAuthority: LabCertificateAuthority, server: LabHTTPSServer<KubeAPIServer>, kubeconfigPath: URL,
        adminToken: String, controllers: Task<Void, Never>, loop: ControllerLoop, processes: ProcessContainerRuntime,
        network: PodNetwork
    ) {
        self.network = network
        self.loop = loop
        self.processes = processes
        self.store = store
        self.logs = logs
        self.filesystem = filesystem
        self.configuration = configuration
        self.certificateAuthority = certificateAuthority
        self.server = server
        self.serverURL = "https://127.0.0.1:\(server.port)"
        self.kubeconfigPath = kubeconfigPath
        self.adminToken = adminToken
        self.controllers = controllers
    }

    /// Starts the cluster with `configuration.nodes`, all Ready, and extra container
    /// runtimes consulted before the lab's own: a container with a command runs as a
    /// real process, one without runs its (absent) image's server. `latency` is asked before
    /// every API answer (the homelab's `apiLatency` fault).
    public static func start(
        _ configuration: LabConfiguration, store: ObjectStore = ObjectStore(), runtimes: [any ContainerRuntime] = [],
        latency: @escaping @Sendable () async -> Duration = { .zero }
    ) async throws -> KubeLab {
        let directory = configuration.directory
        let pki = directory.appendingPathComponent("pki")
        try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
        let ca = try LabCertificateAuthority(commonName: "k3s-server-ca")
        let serving = try ca.issueServer(commonName: "k3s", dnsNames: ["kubernetes", "kubernetes.default"])
        let admin = try ca.issueClient(user: "system:admin", groups: ["system:masters"])
        let token = RandomName.suffix(length: 32)

        let logs = PodLogs()
        let network = PodNetwork.reserve()
        try await ClusterSeed.apply(to: store, nodes: configuration.nodes, network: network)
        let clock = CompressedClock(minute: configuration.timing.cronMinute)
        let apiserver = KubeAPIServer(
            store: store, logs: logs, tokens: [token: "system:admin"], latency: latency, scheduleWallTime: { clock.wallTime(of: $0) })
        let server = try await LabHTTPSServer(
            responder: apiserver, identity: serving, clientCA: ca.certificatePEM, port: configuration.kubePort)

        let filesystem = NodeFilesystem(root: directory)
        let loop = ControllerLoop()
        let processes = ProcessContainerRuntime(store: store, logs: logs, filesystem: filesystem, loop: loop)
        var controllers: [any Controller] = [
            Scheduler(store: store), VolumeBinder(store: store), LocalPathProvisioner(store: store, filesystem: filesystem),
            ProtectionController(store: store), DeploymentController(store: store), ReplicaSetController(store: store),
            StatefulSetController(store: store),
            JobController(store: store),
            CronJobController(store: store, clock: clock, loop: loop),
            EndpointsController(store: store),
            GarbageCollector(store: store),
            FluxController(store: store, directory: directory, timing: configuration.timing, loop: loop),
        ]
        for node in configuration.nodes {
            try filesystem.createDirectory(node: node.name, path: LocalPathProvisioner.storageRoot)
            controllers.append(
                Kubelet(
                    node: node.name, store: store, logs: logs, runtimes: [ImagePullRuntime()] + runtimes + [processes, ImageEntrypointRuntime()],
                    filesystem: filesystem, timing: configuration.timing, loop: loop))
        }
        let running = controllers
        let task = Task { await loop.run(store: store, controllers: running) }

        let kubeconfig = directory.appendingPathComponent("kubeconfig")
        try writePrivate(ca.certificatePEM, to: pki.appendingPathComponent("ca.crt"))
        try writePrivate(admin.certificatePEM, to: pki.appendingPathComponent("admin.crt"))
        try writePrivate(admin.privateKeyPEM, to: pki.appendingPathComponent("admin.key"))
        try writePrivate(token + "\n", to: pki.appendingPathComponent("admin.token"))
        // Written last: a tool that waits for the kubeconfig finds everything in place.
        try writePrivate(KubeconfigWriter.contents(server: "https://127.0.0.1:\(server.port)", caPEM: ca.certificatePEM, client: admin), to: kubeconfig)
        return KubeLab(
            store: store, logs: logs, filesystem: filesystem, configuration: configuration, certificateAuthority: ca,
            server: server, kubeconfigPath: kubeconfig, adminToken: token, controllers: task, loop: loop, processes: processes,
            network: network)
    }

    /// Asks the controllers for a round now: for changes outside the store, such as
    /// hardware that moved.
    public func poke() {
        loop.poke()
    }

    /// Cuts every open watch connection, as an apiserver restart would.
    public func dropWatchConnections() {
        server.responder.watches.dropAll()
    }

    /// Answers the next `count` watch requests with 503 ServiceUnavailable, as an
    /// apiserver does while it (or etcd) restarts.
    public func refuseWatches(_ count: Int) {
        server.responder.watches.refuseNext(count)
    }

    /// Stops the controllers and the apiserver (open watches are cut first, so
    /// that the server does not wait for them), and kills every container process.
    /// Returns at once.
    public func stop() {
        controllers.cancel()
        processes.killAll()
        dropWatchConnections()
        server.stop()
    }

    /// `stop()`, then waits until the apiserver has closed its port and the
    /// controllers' round in flight has ended: a Flux reconcile still archiving a
    /// commit would otherwise write `flux/` into a lab directory its owner has just
    /// removed. A round ends at its next await once cancelled; one stuck longer than a
    /// few seconds (a child process that ignores SIGKILL) is not waited for.
    public func shutdown() async {
        stop()
        await server.shutdown()
        let controllers = self.controllers
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await controllers.value }
            group.addTask { try? await Task.sleep(for: .seconds(5)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Credentials are written readable by their owner only, like K3s does.
    static func writePrivate(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}

extension KubeLab {
    /// Creates an object as a user's `kubectl create` would: through admission
    /// (defaults, validation), so that scenarios start from realistic objects.
    @discardableResult
    public func create(_ object: JSON) async throws -> JSON {
        guard let apiVersion = object["apiVersion"].stringValue, let kindName = object["kind"].stringValue,
            let kind = await ResourceCatalog.kind(apiVersion: apiVersion, kind: kindName, in: store)
        else { throw LabError(description: "the lab serves no kind \(object["kind"].serialized) in \(object["apiVersion"].serialized)") }
        let admitted = try await Admission(store: store).create(object, kind: kind, namespace: object.namespace)
        return try await store.create(admitted, kind: kind)
    }
}
