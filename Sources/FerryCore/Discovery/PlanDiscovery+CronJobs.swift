import FerryJSON
import FerryKube

/// The CronJobs beside the workload that the move touches, and the edits their
/// manifests need to follow it.
struct CronJobFinding: Sendable {
    var cronJobs: [MigrationPlan.CronJob] = []
    var itemNotes: [[String]] = []
    var sectionNotes: [String] = []
    /// Node pins in the CronJobs' manifests, with the reason; their files join `gitops.files`.
    var changes: [(change: MigrationPlan.ManifestChange, note: String)] = []
    /// The same pins without GitOps, edited live.
    var liveChanges: [(change: MigrationPlan.LiveChange, note: String)] = []
}

extension PlanDiscovery {
    /// Every CronJob of the namespace that mounts the workload's claims, is pinned to
    /// the source node, uses its hardware or names it (see `WorkloadTouch`): paused for
    /// the move. A hostname pin in its Git manifest moves with the workload's.
    func cronJobs(
        of workload: WorkloadFacts, plan: MigrationPlan, source: Node, target: Node, gitops: GitOpsFinding?
    ) async throws -> CronJobFinding {
        var finding = CronJobFinding()
        let subject = WorkloadTouch.Subject(workload: workload.object, plan: plan, sourceHostname: source.hostnameLabel)
        let all: [JSON]
        do {
            all = try await kube.list(.cronJobs, namespace: workload.namespace).items
        } catch {
            // Not a reason to refuse the plan: the check says it again before the run.
            finding.sectionNotes.append(
                "WARNING: ferry cannot list the CronJobs of namespace \(workload.namespace) (\(error)): it cannot tell whether one acts on the workload during the move.")
            return finding
        }
        for cronJob in all.sorted(by: { ($0["metadata"]["name"].stringValue ?? "") < ($1["metadata"]["name"].stringValue ?? "") }) {
            let name = cronJob["metadata"]["name"].stringValue ?? ""
            let ways = WorkloadTouch.ways(cronJob["spec"]["jobTemplate"]["spec"]["template"], touch: subject)
            guard !ways.isEmpty else { continue }
            var notes = ["CronJob \(name) \(ways.map(\.description).joined(separator: ", ")): "
                + "suspended from before \(workload.name) goes down until it is Ready on \(target.name), then as it was."]
            for touch in ways {
                guard case .pinsSource(let pin) = touch.way else { continue }
                guard pin.hasPrefix("nodeSelector") else {
                    notes.append("WARNING: its node affinity names \(source.hostnameLabel); ferry does not edit affinity: change it to \(target.hostnameLabel) in its manifest yourself.")
                    continue
                }
                let document = gitops?.documents.first {
                    $0.kind == "CronJob" && $0.name == name && ($0.namespace == nil || $0.namespace == workload.namespace)
                }
                let path = ["spec", "jobTemplate", "spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"]
                if gitops == nil {
                    finding.liveChanges.append((
                        MigrationPlan.LiveChange(object: MigrationPlan.LiveObject(kind: .cronJob, name: name), path: path, edit: .set(target.hostnameLabel)),
                        "CronJob \(name) is pinned to kubernetes.io/hostname=\(source.hostnameLabel): it follows the workload to \(target.name)."))
                    continue
                }
                guard let document else {
                    notes.append("WARNING: its \(pin) must become \(target.hostnameLabel), and no manifest in Git defines it: edit it yourself after the move.")
                    continue
                }
                finding.changes.append((
                    MigrationPlan.ManifestChange(file: document.file, document: document.selector, path: path, edit: .set(target.hostnameLabel)),
                    "CronJob \(name) is pinned to kubernetes.io/hostname=\(source.hostnameLabel) (\(document.file)): it follows the workload to \(target.name)."))
            }
            finding.cronJobs.append(MigrationPlan.CronJob(name: name))
            finding.itemNotes.append(notes)
        }
        if finding.cronJobs.isEmpty {
            finding.sectionNotes.append("no CronJob in namespace \(workload.namespace) mounts the workload's claims, pins its node, uses its hardware or names it.")
        }
        return finding
    }
}
