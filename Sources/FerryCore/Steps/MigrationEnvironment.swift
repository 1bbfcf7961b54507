import FerryJSON
import FerryKube
import FerryRemote
import Foundation

/// What every step of one migration shares: the plan, the live systems, and one
/// shell per VM (so the method that worked in pre-flight, SSH or guest agent, is the
/// one every later command tries first).
public struct MigrationEnvironment: Sendable {
    public let plan: MigrationPlan
    /// The plan file, for paths written relative to it.
    public let planFile: URL
    public let connections: Connections
    public let sourceShell: VMShell
    public let targetShell: VMShell
    /// Says when the person has moved the hardware (Enter on a terminal); nil when
    /// only the device appearing on the target host counts (`--yes`, no TTY).
    public let confirmation: (any MoveConfirmation)?
    /// Time between two looks at Proxmox, which has no events to watch.
    public let pollInterval: Duration

    public init(
        plan: MigrationPlan, planFile: URL, connections: Connections, confirmation: (any MoveConfirmation)? = nil,
        pollInterval: Duration = .milliseconds(500)
    ) {
        self.plan = plan
        self.planFile = planFile
        self.connections = connections
        self.sourceShell = connections.vmShell(for: plan.source)
        self.targetShell = connections.vmShell(for: plan.target)
        self.confirmation = confirmation
        self.pollInterval = pollInterval
    }

    var kube: KubeClient { connections.kube }
    var workload: MigrationPlan.Workload { plan.workload }

    var workloadType: ResourceType {
        plan.workload.kind == .statefulSet ? .statefulSets : .deployments
    }

    /// The workload's pod selector, `k=v,k=v`, read from its spec.
    func podSelector() async throws -> String {
        let object = try await kube.get(workloadType, workload.name, namespace: workload.namespace)
        let labels = (object["spec"]["selector"]["matchLabels"].objectValue ?? [:]).compactMapValues(\.stringValue)
        guard !labels.isEmpty else {
            throw StepFailure(
                "\(workload.kind.rawValue) \(workload.namespace)/\(workload.name) has no spec.selector.matchLabels",
                fix: "give it a matchLabels selector; ferry finds its pods by it")
        }
        return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The workload's pods, deleted ones left out.
    func pods() async throws -> [Pod] {
        let selector = try await podSelector()
        return try await kube.list(.pods, namespace: workload.namespace, labelSelector: selector).items
            .map(Pod.init(json:)).filter { $0.json["metadata"]["deletionTimestamp"].isNull }
    }
}

/// A person saying the hardware has been moved.
public protocol MoveConfirmation: Sendable {
    /// Returns when the person confirms; the runner races it against the device
    /// appearing on the target host.
    func confirmed() async
}
