extension MigrationPlan {
    /// A check run after the workload is Ready on the target node.
    public struct Check: Sendable, Hashable {
        public var kind: Kind
        /// The container to read or run in; nil means the pod's first container.
        public var container: String?
        /// How long to keep trying before the check fails; nil means `timeouts.verify`.
        public var timeout: PlanDuration?

        public init(_ kind: Kind, container: String? = nil, timeout: PlanDuration? = nil) {
            self.kind = kind
            self.container = container
            self.timeout = timeout
        }

        public enum Kind: Sendable, Hashable {
            /// The pod's log contains this line (a substring match): `TPU found`.
            case log(String)
            /// A GET returns `status`, from inside the cluster (a throwaway pod) or from
            /// the user's machine.
            case http(url: String, from: Origin, status: Int)
            /// A command run in the pod (`kubectl exec`) exits 0.
            case command(String)
        }

        public enum Origin: String, Sendable, Hashable, CaseIterable {
            case cluster
            case local
        }
    }

    /// How long ferry waits for each thing before it gives up with an error.
    public struct Timeouts: Sendable, Hashable {
        /// SSH connect timeout to a VM, before falling back to the guest agent.
        public var ssh: PlanDuration
        /// A VM reboot, until SSH or the guest agent answers.
        public var vmBoot: PlanDuration
        /// The K8s node becoming Ready after the reboot.
        public var nodeReady: PlanDuration
        /// The device appearing on the target host after the physical move.
        public var deviceMove: PlanDuration
        /// Copying one volume's data.
        public var volumeCopy: PlanDuration
        /// Flux applying the pushed commit.
        public var reconcile: PlanDuration
        /// The workload's pods Ready on the target node.
        public var podReady: PlanDuration
        /// Each verification check.
        public var verify: PlanDuration

        public init(
            ssh: PlanDuration = .seconds(5), vmBoot: PlanDuration = .minutes(5), nodeReady: PlanDuration = .minutes(5),
            deviceMove: PlanDuration = .minutes(30), volumeCopy: PlanDuration = .hours(2),
            reconcile: PlanDuration = .minutes(5), podReady: PlanDuration = .minutes(5), verify: PlanDuration = .minutes(2)
        ) {
            self.ssh = ssh
            self.vmBoot = vmBoot
            self.nodeReady = nodeReady
            self.deviceMove = deviceMove
            self.volumeCopy = volumeCopy
            self.reconcile = reconcile
            self.podReady = podReady
            self.verify = verify
        }

        /// The keys in the plan file, in the order they are written.
        static let keys = ["ssh", "vmBoot", "nodeReady", "deviceMove", "volumeCopy", "reconcile", "podReady", "verify"]

        subscript(key: String) -> PlanDuration {
            get {
                switch key {
                case "ssh": ssh
                case "vmBoot": vmBoot
                case "nodeReady": nodeReady
                case "deviceMove": deviceMove
                case "volumeCopy": volumeCopy
                case "reconcile": reconcile
                case "podReady": podReady
                default: verify
                }
            }
            set {
                switch key {
                case "ssh": ssh = newValue
                case "vmBoot": vmBoot = newValue
                case "nodeReady": nodeReady = newValue
                case "deviceMove": deviceMove = newValue
                case "volumeCopy": volumeCopy = newValue
                case "reconcile": reconcile = newValue
                case "podReady": podReady = newValue
                default: verify = newValue
                }
            }
        }
    }
}
