import Foundation

extension MigrationReport.VolumeRecord {
    /// What the journal says became of one claim of the plan.
    init(volume: MigrationPlan.Volume, plan: MigrationPlan, journal: Journal) {
        let claim = volume.claim
        let retain = journal.entry("retain-volumes")?.memory ?? [:]
        let switched = journal.entry("switch")
        let memory = switched?.memory ?? [:]
        let old = memory[SwitchVolumesStep.key("oldPV", claim)] ?? retain["pv.\(claim)"]
        let new = memory[SwitchVolumesStep.key("newPV", claim)]
        let verified = journal.entry("final-copy")?.memory[FinalCopyStep.verifiedKey(claim)].flatMap { Int($0) }
        let state: String
        switch volume.action {
        case .keep:
            state = "left as it is: the plan says any node can mount it"
        case .discard:
            state = "not copied: the plan says to discard its data"
        case .move:
            let copied = journal.entry("pre-copy-\(claim)")?.status
            if switched?.status == .undone {
                state = "back on its original PV\(old.map { " \($0)" } ?? "") on \(plan.source.node) (rollback); "
                    + "the copy\(new.map { " \($0)" } ?? "") stays, Released, until `ferry cleanup`"
            } else if memory[SwitchVolumesStep.key("switched", claim)] != nil, let new {
                state = "bound to its copy, PV \(new) on \(plan.target.node); the original\(old.map { " PV \($0)" } ?? "") "
                    + "stays, Retain and Released, until `ferry cleanup`"
            } else if copied == .done || copied == .alreadyDone {
                state = "copied to \(plan.target.node) while the workload ran, not switched to the copy"
            } else if copied == .undone {
                state = "its copy on \(plan.target.node) was deleted by the rollback; the original was only read"
            } else {
                state = "not copied"
            }
        }
        self.init(
            claim: claim, action: volume.action.rawValue, originalPV: old, originalPolicy: retain["policy.\(claim)"],
            copyPV: new, verifiedEntries: verified, state: state)
    }
}

extension MigrationReport.Flux {
    /// When ferry suspended the Kustomization (or the HelmRelease) and who resumed it.
    init(kustomization: String, helmRelease: String?, journal: Journal) {
        self.kustomization = kustomization
        self.helmRelease = helmRelease
        let suspend = journal.entry("suspend-flux")
        let resume = journal.entry("resume-flux")
        suspendedAt = suspend?.status == .alreadyDone ? nil : suspend?.endedAt
        if suspend?.status == .undone {
            resumedAt = suspend?.undoEndedAt
            resumedBy = "ferry rollback"
        } else if let resume, resume.status.isFinished {
            resumedAt = resume.endedAt
            resumedBy = "ferry run (resume-flux)"
        } else {
            resumedAt = nil
            resumedBy = nil
        }
    }
}

extension MigrationReport.Outcome {
    /// What the migration came to, from the journal's status and its entries.
    init(journal: Journal, plan: MigrationPlan) {
        let file = journal.plan
        let workload = "\(plan.workload.namespace)/\(plan.workload.name)"
        undone = journal.entries.filter { $0.status == .undone && $0.undoStartedAt != nil }
            .sorted { $0.undoStartedAt! < $1.undoStartedAt! }.map(\.step)
        failedStep = nil
        error = nil
        next = nil
        switch journal.status {
        case .completed:
            summary = "Completed: \(workload) runs on \(plan.target.node)."
        case .failed:
            let failed = journal.entries.last { $0.status == .failed }
            failedStep = failed?.step
            error = failed?.error
            summary = "Failed at \(failed.map { "step \($0.step) (\($0.title))" } ?? "a step")."
            next = "Fix what the error says, then `ferry resume \(file)`; or undo with `ferry rollback \(file)`."
        case .running:
            summary = "Running, or stopped while running (the process was killed)."
            next = "If no ferry runs it, `ferry resume \(file)` continues."
        case .rollingBack:
            summary = "Being rolled back, or stopped while rolling back."
            next = "If no ferry runs it, `ferry rollback \(file)` finishes the rollback."
        case .rollbackFailed:
            let failed = journal.entries.last { $0.status == .undoing }
            failedStep = failed?.step
            error = failed?.error
            summary = "The rollback stopped at \(failed.map { "step \($0.step) (\($0.title))" } ?? "a step")."
            next = "Fix what the error says, then `ferry rollback \(file)` again."
        case .rolledBack:
            summary = "Rolled back: \(workload) runs on \(plan.source.node) again."
        }
    }
}
