extension MigrationPlan {
    /// A CronJob beside the workload that the move touches: one that restarts the app
    /// when it looks unhealthy could act in the middle of the move, one that mounts its
    /// claims would hold them when they are switched.
    public struct CronJob: Sendable, Hashable {
        public enum Action: String, Sendable, Hashable, CaseIterable {
            /// `spec.suspend: true` from before the workload goes down (its running Jobs
            /// waited for) until it is Ready on the target; then as it was.
            case pause
        }

        /// In the workload's namespace.
        public var name: String
        public var action: Action

        public init(name: String, action: Action = .pause) {
            self.name = name
            self.action = action
        }
    }
}
