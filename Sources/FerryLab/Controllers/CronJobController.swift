import FerryJSON
import Foundation

/// CronJobs (`batch/v1`) as the CronJob controller (v2) runs them, on the lab's
/// schedule clock (`LabClock`): at each time `spec.schedule` names, a Job
/// `NAME-<scheduled minutes since the epoch>` from `spec.jobTemplate`, unless
/// `spec.suspend` is true, the time is older than `startingDeadlineSeconds`, or
/// `concurrencyPolicy: Forbid` finds one still running (`Replace` deletes those
/// first). Only the most recent missed time starts. Finished Jobs beyond
/// `successfulJobsHistoryLimit`/`failedJobsHistoryLimit` are deleted, oldest first,
/// and their pods with them. Status times (`lastScheduleTime`, `lastSuccessfulTime`)
/// are on the schedule clock.
struct CronJobController: Controller {
    let store: ObjectStore
    let admission: Admission
    let events: EventRecorder
    let clock: any LabClock
    let loop: ControllerLoop

    init(store: ObjectStore, clock: any LabClock, loop: ControllerLoop) {
        self.store = store
        self.admission = Admission(store: store)
        self.events = EventRecorder(store: store, component: "cronjob-controller")
        self.clock = clock
        self.loop = loop
    }

    func reconcile() async {
        let jobs = await store.list(ResourceCatalog.jobs)
        for cronJob in await store.list(ResourceCatalog.cronJobs) where !cronJob.isDeleting {
            await sync(cronJob, jobs: jobs.filter { $0.controllerUID == cronJob.uid })
        }
    }

    static func calendar(_ cronJob: JSON) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = cronJob["spec"]["timeZone"].stringValue.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        return calendar
    }

    static func jobName(_ cronJob: JSON, scheduled: Date) -> String {
        "\(cronJob.name)-\(Int64(scheduled.timeIntervalSince1970) / 60)"
    }

    private func sync(_ cronJob: JSON, jobs: [JSON]) async {
        let spec = cronJob["spec"]
        let key = ObjectKey(ResourceCatalog.cronJobs, namespace: cronJob.namespace, name: cronJob.name)
        var active = jobs.filter { !$0.isDeleting && !JobController.isFinished($0) }
        await trimHistory(cronJob, jobs: jobs)
        var lastSuccessful = cronJob["status"]["lastSuccessfulTime"].stringValue.flatMap(Timestamp.parse)
        for job in jobs where job.condition("Complete")?["status"].stringValue == "True" {
            guard let done = job["status"]["completionTime"].stringValue.flatMap(Timestamp.parse).map({ clock.labTime(of: $0) }) else { continue }
            if lastSuccessful.map({ done > $0 }) ?? true { lastSuccessful = done }
        }
        var lastSchedule = cronJob["status"]["lastScheduleTime"].stringValue.flatMap(Timestamp.parse)
        if spec["suspend"].boolValue != true, let schedule = try? CronSchedule(parsing: spec["schedule"].stringValue ?? "") {
            let calendar = Self.calendar(cronJob)
            let now = clock.now()
            var earliest = lastSchedule
                ?? cronJob["metadata"]["creationTimestamp"].stringValue.flatMap(Timestamp.parse).map({ clock.labTime(of: $0) }) ?? now
            if let deadline = spec["startingDeadlineSeconds"].intValue {
                earliest = max(earliest, now.addingTimeInterval(-Double(deadline)))
            }
            if let next = schedule.next(after: now, calendar: calendar) { loop.wake(after: clock.realDelay(until: next) + .milliseconds(5)) }
            if let recent = schedule.mostRecent(after: earliest, notAfter: now, calendar: calendar) {
                if let created = await start(cronJob, scheduled: recent.time, active: &active) {
                    lastSchedule = recent.time
                    active.append(created)
                }
            }
        }
        let references: [JSON] = active.map { job in
            [
                "apiVersion": "batch/v1", "kind": "Job", "name": .string(job.name), "namespace": .string(job.namespace),
                "uid": .string(job.uid), "resourceVersion": .string(job.resourceVersion),
            ]
        }
        await store.modify(key, subresource: "status") { object in
            object[path: ["status", "active"]] = references.isEmpty ? nil : .array(references)
            if let lastSchedule { object[path: ["status", "lastScheduleTime"]] = .string(Timestamp.string(lastSchedule)) }
            if let lastSuccessful { object[path: ["status", "lastSuccessfulTime"]] = .string(Timestamp.string(lastSuccessful)) }
            if object["status"] == .null { object["status"] = .emptyObject }
        }
    }

    /// Starts the Job for `scheduled` as the concurrency policy allows; the Job, or
    /// nil when none started.
    private func start(_ cronJob: JSON, scheduled: Date, active: inout [JSON]) async -> JSON? {
        let name = Self.jobName(cronJob, scheduled: scheduled)
        if let existing = await store.find(ObjectKey(ResourceCatalog.jobs, namespace: cronJob.namespace, name: name)),
            existing.controllerUID == cronJob.uid
        {
            return nil
        }
        switch cronJob["spec"]["concurrencyPolicy"].stringValue ?? "Allow" {
        case "Forbid" where !active.isEmpty:
            await events.record(
                cronJob, kind: ResourceCatalog.cronJobs, reason: "JobAlreadyActive",
                message: "Not starting job because prior execution is running and concurrency policy is Forbid")
            return nil
        case "Replace":
            for job in active {
                _ = try? await store.delete(ObjectKey(ResourceCatalog.jobs, namespace: job.namespace, name: job.name))
                await events.record(cronJob, kind: ResourceCatalog.cronJobs, reason: "SuccessfulDelete", message: "Deleted job \(job.name)")
            }
            active = []
        default:
            break
        }
        let template = cronJob["spec"]["jobTemplate"]
        var metadata: JSON = [
            "name": .string(name), "namespace": .string(cronJob.namespace),
            "ownerReferences": [cronJob.ownerReference(ResourceCatalog.cronJobs)],
            "annotations": ["batch.kubernetes.io/cronjob-scheduled-timestamp": .string(Timestamp.string(scheduled))],
        ]
        if template["metadata"]["labels"].objectValue != nil { metadata["labels"] = template["metadata"]["labels"] }
        for (key, value) in template["metadata"]["annotations"].objectValue ?? [:] { metadata[path: ["annotations", key]] = value }
        let job: JSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template["spec"]]
        do {
            let admitted = try await admission.create(job, kind: ResourceCatalog.jobs, namespace: cronJob.namespace)
            let created = try await store.create(admitted, kind: ResourceCatalog.jobs)
            await events.record(cronJob, kind: ResourceCatalog.cronJobs, reason: "SuccessfulCreate", message: "Created job \(name)")
            return created
        } catch {
            await events.record(
                cronJob, kind: ResourceCatalog.cronJobs, type: "Warning", reason: "FailedCreate",
                message: "Error creating job: \(error.message)")
            return nil
        }
    }

    /// Deletes the oldest finished Jobs beyond the history limits (3 successful, 1 failed by default).
    private func trimHistory(_ cronJob: JSON, jobs: [JSON]) async {
        let spec = cronJob["spec"]
        let live = jobs.filter { !$0.isDeleting }
        let limits: [(condition: String, limit: Int64)] = [
            ("Complete", spec["successfulJobsHistoryLimit"].intValue ?? 3), ("Failed", spec["failedJobsHistoryLimit"].intValue ?? 1),
        ]
        for (condition, limit) in limits {
            let finished = live.filter { $0.condition(condition)?["status"].stringValue == "True" }
                .sorted { Self.startedAt($0) < Self.startedAt($1) }
            for job in finished.dropLast(Int(max(limit, 0))) {
                _ = try? await store.delete(ObjectKey(ResourceCatalog.jobs, namespace: job.namespace, name: job.name))
                await events.record(cronJob, kind: ResourceCatalog.cronJobs, reason: "SuccessfulDelete", message: "Deleted job \(job.name)")
            }
        }
    }

    /// Jobs are ordered by the time they were scheduled for, which their names carry.
    private static func startedAt(_ job: JSON) -> String {
        job.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] ?? job["metadata"]["creationTimestamp"].stringValue ?? ""
    }
}
