/// What changed between the plan a migration started with (kept in its journal) and
/// the plan file now. A migration half done with one plan and continued with another
/// could pass the hardware to the wrong VM or undo what was never done: resume takes
/// only the sections that change no step's effect, and rollback always undoes with
/// the plan the migration ran.
public enum PlanRevision {
    /// Sections `ferry resume` takes from an edited plan: what it checks at the end,
    /// and how long it waits.
    public static let resumable: Set<String> = ["verify", "timeouts"]

    /// The top-level sections of `new` that differ from `old`, by their names in the
    /// plan file, in the file's order.
    public static func changedSections(from old: MigrationPlan, to new: MigrationPlan) -> [String] {
        var changed: [String] = []
        if old.name != new.name { changed.append("metadata.name") }
        if old.workload != new.workload { changed.append("workload") }
        if old.source != new.source { changed.append("source") }
        if old.target != new.target { changed.append("target") }
        if old.devices != new.devices { changed.append("devices") }
        if old.nodeLabel != new.nodeLabel { changed.append("nodeLabel") }
        if old.volumes != new.volumes { changed.append("volumes") }
        if old.cronJobs != new.cronJobs { changed.append("cronJobs") }
        if old.gitops != new.gitops { changed.append("gitops") }
        if old.manifestChanges != new.manifestChanges { changed.append("manifestChanges") }
        if old.liveChanges != new.liveChanges { changed.append("liveChanges") }
        if old.drivers != new.drivers { changed.append("drivers") }
        if old.verify != new.verify { changed.append("verify") }
        if old.timeouts != new.timeouts { changed.append("timeouts") }
        return changed
    }
}
