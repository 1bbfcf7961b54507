import Foundation

extension MigrationReport {
    /// The report of the migration `journal` records, from the plan it ran. Reaches
    /// no live system: the steps are made with offline clients, only to be described,
    /// and the commit's diff comes from the plan's GitOps clone when it is there.
    /// `planText`, when given, is compared with the digest the run journaled.
    public static func make(plan: MigrationPlan, planFile: URL, planText: String? = nil, journal: Journal) async throws -> MigrationReport {
        let environment = try MigrationEnvironment.offline(plan: plan, planFile: planFile)
        let steps = MigrationSteps.make(environment)
        await environment.connections.shutdown()
        var report = MigrationReport(plan: plan, journal: journal, steps: steps)
        if let planText, Runner.digest(planText) != journal.planDigest {
            report.notes.append("The plan changed since the run: the commands below are the current plan's.")
        }
        if let commit = journal.commit {
            let revert = journal.entry(EditManifestsStep.id)?.memory["revert"]
            report.commit = await CommitDiff.look(commit: commit.id, revert: revert, repository: environment.repositoryURL, plan: plan)
        }
        return report
    }

    /// Everything but the commit's diff, which needs git.
    init(plan: MigrationPlan, journal: Journal, steps: [any MigrationStep]) {
        migration = journal.migration
        status = journal.status
        workload = "\(plan.workload.kind.rawValue) \(plan.workload.namespace)/\(plan.workload.name)"
        source = Side(plan.source)
        target = Side(plan.target)
        devices = plan.devices.map(\.label)
        startedAt = journal.createdAt
        endedAt = [.completed, .rolledBack, .failed, .rollbackFailed].contains(journal.status) ? journal.updatedAt : nil
        targetAccess = journal.targetAccess
        downtime = Downtime(journal)
        moveWait = Downtime.moveWait(journal)
        notes = []

        // The journal's entries in the order they started, then the steps never reached.
        let known = Set(journal.entries.map(\.step))
        timeline = journal.entries.map(StepRecord.init)
            + steps.filter { !known.contains($0.id) }.map {
                StepRecord(step: $0.id, title: $0.title, phase: $0.phase, failures: [])
            }

        var bySystem: [System: [Change]] = [:]
        for step in steps where !ReportCommands.readsOnly(step.id) {
            guard let entry = journal.entry(step.id), entry.status != .alreadyDone else { continue }
            var grouped: [System: [String]] = [:]
            var order: [System] = []
            for (system, line) in ReportCommands.commands(step: step, entry: entry, plan: plan) {
                if grouped[system] == nil { order.append(system) }
                grouped[system, default: []].append(line)
            }
            for system in order {
                bySystem[system, default: []].append(Change(step: step.id, title: step.title, commands: grouped[system]!, status: entry.status))
            }
        }
        changes = System.allCases.compactMap { system in bySystem[system].map { SystemChanges(system: system, changes: $0) } }

        volumes = plan.volumes.map { VolumeRecord(volume: $0, plan: plan, journal: journal) }
        flux = plan.gitops.map { Flux(kustomization: $0.kustomization.description, helmRelease: $0.helmRelease?.description, journal: journal) }
        outcome = Outcome(journal: journal, plan: plan)
    }
}

extension MigrationReport.Side {
    init(_ endpoint: MigrationPlan.Endpoint) {
        self.init(node: endpoint.node, vm: endpoint.vm, vmid: endpoint.vmid, host: endpoint.host)
    }
}

extension MigrationReport.StepRecord {
    init(step: String, title: String, phase: MigrationPhase, failures: [MigrationReport.Failure]) {
        self.init(
            step: step, title: title, phase: phase, status: nil, startedAt: nil, endedAt: nil, undoStartedAt: nil,
            undoEndedAt: nil, method: nil, failures: failures, error: nil)
    }

    init(_ entry: Journal.Entry) {
        // Times pair with the last failures: a journal written before they were
        // recorded has fewer times than failures.
        let times = entry.failedAt ?? []
        let offset = entry.failures.count - times.count
        let failures = entry.failures.enumerated().map { index, message in
            let undo = message.hasPrefix("undo: ")
            return MigrationReport.Failure(
                at: index >= offset ? times[index - offset] : nil,
                message: undo ? String(message.dropFirst("undo: ".count)) : message, duringRollback: undo)
        }
        let failed = entry.status == .failed || entry.status == .undoing || entry.status == .started
        self.init(
            step: entry.step, title: entry.title, phase: entry.phase, status: entry.status, startedAt: entry.startedAt,
            endedAt: entry.endedAt, undoStartedAt: entry.undoStartedAt, undoEndedAt: entry.undoEndedAt, method: entry.method,
            failures: failures, error: failed ? entry.error : nil)
    }
}
