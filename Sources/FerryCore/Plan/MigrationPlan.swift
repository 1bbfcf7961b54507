/// What `ferry` is asked to do: move one workload, with its hardware, its node label,
/// its volumes and its GitOps manifests, from one K3s VM to another.
///
/// A plan is read from YAML (`PlanParser.parse`, documented in docs/PLAN.md), written
/// back by `MigrationPlan.yaml`, and validated on the way in: every name that later
/// reaches a shell, a URL or a VM config line (DNS-1123 names, VMIDs, USB ids, PCI
/// addresses) has already been checked when a `MigrationPlan` exists.
///
/// ```swift
/// let plan = try PlanParser.parse(text, file: "migration.yaml")
/// print(plan.source.vmid, "->", plan.target.vmid)   // 105 -> 108
/// ```
public struct MigrationPlan: Sendable, Hashable {
    public static let apiVersion = "ferry.dev/v1alpha1"
    public static let kind = "MigrationPlan"

    /// `metadata.name`: names the migration in the journal and the report.
    public var name: String
    public var workload: Workload
    public var source: Endpoint
    public var target: Endpoint
    public var devices: [Device]
    /// The label the workload selects its node by; moved from the source node to the target.
    public var nodeLabel: NodeLabel?
    public var volumes: [Volume]
    /// CronJobs beside the workload, paused for the move.
    public var cronJobs: [CronJob]
    public var gitops: GitOps?
    public var manifestChanges: [ManifestChange]
    public var liveChanges: [LiveChange]
    public var drivers: [Driver]
    public var verify: [Check]
    public var timeouts: Timeouts

    public init(
        name: String, workload: Workload, source: Endpoint, target: Endpoint, devices: [Device] = [],
        nodeLabel: NodeLabel? = nil, volumes: [Volume] = [], cronJobs: [CronJob] = [], gitops: GitOps? = nil,
        manifestChanges: [ManifestChange] = [], liveChanges: [LiveChange] = [], drivers: [Driver] = [], verify: [Check] = [],
        timeouts: Timeouts = Timeouts()
    ) {
        self.name = name
        self.workload = workload
        self.source = source
        self.target = target
        self.devices = devices
        self.nodeLabel = nodeLabel
        self.volumes = volumes
        self.cronJobs = cronJobs
        self.gitops = gitops
        self.manifestChanges = manifestChanges
        self.liveChanges = liveChanges
        self.drivers = drivers
        self.verify = verify
        self.timeouts = timeouts
    }
}

extension MigrationPlan {
    /// The workload to move: a Deployment or a StatefulSet.
    public struct Workload: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case deployment = "Deployment"
            case statefulSet = "StatefulSet"
        }

        public var namespace: String
        public var kind: Kind
        public var name: String

        public init(namespace: String, kind: Kind = .deployment, name: String) {
            self.namespace = namespace
            self.kind = kind
            self.name = name
        }
    }

    /// One side of the move: the Kubernetes node, the Proxmox VM that is that node, and
    /// the Proxmox host that runs the VM. The node name and the VM name are often the
    /// same (`k3s-vm-still-fawn`), but need not be.
    public struct Endpoint: Sendable, Hashable {
        public var node: String
        public var vm: String
        public var vmid: Int
        public var host: String

        public init(node: String, vm: String, vmid: Int, host: String) {
            self.node = node
            self.vm = vm
            self.vmid = vmid
            self.host = host
        }
    }

    /// A node label (`coral.ai/tpu=usb`), removed from the source node and put on the target.
    public struct NodeLabel: Sendable, Hashable, CustomStringConvertible {
        /// Who puts the label on a node.
        public enum SetBy: String, Sendable, Hashable, CaseIterable {
            /// ferry: off the source, onto the target.
            case ferry
            /// Node Feature Discovery, from the hardware the node sees: ferry never sets
            /// it (NFD would take back a label it did not find), it waits for it.
            case nodeFeatureDiscovery = "node-feature-discovery"
        }

        public var key: String
        public var value: String
        public var setBy: SetBy

        public init(key: String, value: String, setBy: SetBy = .ferry) {
            self.key = key
            self.value = value
            self.setBy = setBy
        }

        public var description: String { "\(key)=\(value)" }
    }

    /// A PersistentVolumeClaim the workload mounts, and what to do with it.
    public struct Volume: Sendable, Hashable {
        public enum Action: String, Sendable, Hashable, CaseIterable {
            /// Copy the data to a new volume on the target node and verify it (the default:
            /// node-bound `local-path` volumes cannot follow the pod otherwise).
            case move
            /// Leave the claim as it is (network storage that any node can mount).
            case keep
            /// Recreate the claim empty on the target; the data is lost. Never a default.
            case discard
        }

        public var claim: String
        public var action: Action
        /// The image of the pods that copy and check this volume's data, when not
        /// `HelperImage.rsync` (a cluster that cannot reach Docker Hub mirrors it).
        public var image: String?

        public init(claim: String, action: Action = .move, image: String? = nil) {
            self.claim = claim
            self.action = action
            self.image = image
        }
    }
}
