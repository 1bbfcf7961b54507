import FerryGitOps
import FerryRemote
import Foundation

/// `ferry check`: every precondition of a migration, checked before anything changes
/// (MISSION.md, "Pre-flight"). Also the run's first phase.
///
/// The checks run concurrently, each group under its own deadline, and only read:
/// GETs and lists on the Kubernetes and Proxmox APIs, `true` and `ls` in the target
/// VM, `git status` and `git ls-remote`. A check that cannot finish is reported as
/// failed with what it was waiting for, so one dead endpoint never hides the rest.
///
/// ```swift
/// let report = await Preflight(plan: plan, connections: connections, planDirectory: planFile.deletingLastPathComponent()).run()
/// print(report.table)
/// if report.blocks { exit(1) }
/// let method = report.targetAccess   // .guestAgent when SSH to the target VM is broken
/// ```
public struct Preflight: Sendable {
    public let plan: MigrationPlan
    public let connections: Connections
    /// `gitops.repo` is relative to the plan file's directory.
    public let planDirectory: URL
    /// What `~` in `gitops.repo` means.
    public let homeDirectory: URL
    /// How long each group of checks may take (the VM access check gets `timeouts.ssh` more).
    public var deadline: Duration

    public init(
        plan: MigrationPlan, connections: Connections, planDirectory: URL,
        homeDirectory: URL = FileManager.default.homeDirectoryForCurrentUser, deadline: Duration = .seconds(20)
    ) {
        self.plan = plan
        self.connections = connections
        self.planDirectory = planDirectory
        self.homeDirectory = homeDirectory
        self.deadline = deadline
    }

    public func run() async -> PreflightReport {
        let clock = ContinuousClock()
        let began = clock.now
        let facts = PreflightFacts(plan: plan, kube: connections.kube)
        let access = VMAccessCheck(plan: plan, connections: connections)
        let groups = self.groups(facts: facts)
        async let accessOutcome = PreflightDeadline.run(within: deadline + plan.timeouts.ssh.duration) { await access.run() }
        let results = await withTaskGroup(of: (Int, [PreflightResult]).self) { group in
            for (index, check) in groups.enumerated() {
                let limit = deadline
                group.addTask {
                    let results = await PreflightDeadline.run(within: limit) { await check.run() }
                    return (index, results ?? [Self.timedOut(check.name, check.waitsFor, limit)])
                }
            }
            var collected: [[PreflightResult]] = Array(repeating: [], count: groups.count)
            for await (index, results) in group { collected[index] = results }
            return collected
        }
        let vmAccess = await accessOutcome
        let accessResult = vmAccess?.result
            ?? Self.timedOut(access.name, access.waitsFor, deadline + plan.timeouts.ssh.duration)
        return PreflightReport(
            plan: plan.name, results: [results[0], [accessResult]].flatMap { $0 } + results.dropFirst().flatMap { $0 },
            targetAccess: vmAccess?.method, elapsed: began.duration(to: clock.now))
    }

    /// In the order the report lists them; credentials first, so that a broken
    /// kubeconfig or token explains the failures after it.
    func groups(facts: PreflightFacts) -> [any PreflightCheckGroup] {
        let repository = plan.gitops.map {
            GitRepository(directory: GitOpsLocation.resolve($0.repo, planDirectory: planDirectory, home: homeDirectory),
                          runner: connections.runner)
        }
        return [
            CredentialChecks(connections: connections),
            VolumeChecks(plan: plan, kube: connections.kube, facts: facts),
            ReferenceChecks(plan: plan, kube: connections.kube, facts: facts),
            HardwareChecks(plan: plan, connections: connections),
            ClusterChecks(plan: plan, kube: connections.kube, facts: facts),
            BesideChecks(plan: plan, kube: connections.kube, facts: facts),
            FluxChecks(plan: plan, kube: connections.kube, facts: facts),
            GitChecks(plan: plan, repository: repository),
            ManifestChecks(plan: plan, clone: repository?.directory),
            LiveChecks(plan: plan, kube: connections.kube),
        ]
    }

    static func timedOut(_ check: String, _ waitsFor: String, _ limit: Duration) -> PreflightResult {
        .fail(check, "did not finish within \(limit.components.seconds)s waiting for \(waitsFor)",
              fix: "check that \(waitsFor) answers, then run ferry check again")
    }
}

/// A group of checks that share their reads; the unit that gets a deadline.
protocol PreflightCheckGroup: Sendable {
    /// Names the group's line when it times out.
    var name: String { get }
    /// What a slow run of the group is waiting on, for the timeout line.
    var waitsFor: String { get }
    func run() async -> [PreflightResult]
}
