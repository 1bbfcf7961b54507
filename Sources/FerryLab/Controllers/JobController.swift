import FerryJSON
import Foundation

/// Jobs (`batch/v1`, NonIndexed): pods from the template, owned by the Job and
/// labelled with its name and uid as the apiserver set them in the template, up to
/// `parallelism` at a time until `completions` succeeded. A pod that fails counts
/// against `backoffLimit` (with `restartPolicy: OnFailure`, each container restart
/// does); past it the Job is Failed and its running pods are deleted. While
/// `spec.suspend` is true its running pods are deleted and no new ones start.
/// Status and conditions as the job controller of Kubernetes 1.32 writes them
/// (`SuccessCriteriaMet` then `Complete`, `FailureTarget` then `Failed`).
struct JobController: Controller {
    let store: ObjectStore
    let admission: Admission
    let events: EventRecorder

    init(store: ObjectStore) {
        self.store = store
        self.admission = Admission(store: store)
        self.events = EventRecorder(store: store, component: "job-controller")
    }

    func reconcile() async {
        let pods = await store.list(ResourceCatalog.pods)
        for job in await store.list(ResourceCatalog.jobs) where !job.isDeleting && !Self.isFinished(job) {
            await sync(job, pods: pods.filter { $0.controllerUID == job.uid })
        }
    }

    /// Complete or Failed: a finished Job changes no more.
    static func isFinished(_ job: JSON) -> Bool {
        ["Complete", "Failed"].contains { job.condition($0)?["status"].stringValue == "True" }
    }

    private func sync(_ job: JSON, pods: [JSON]) async {
        let spec = job["spec"]
        let stamp = Timestamp.string(Date())
        let key = ObjectKey(ResourceCatalog.jobs, namespace: job.namespace, name: job.name)
        let active = pods.filter { !$0.isDeleting && !ObjectStore.isTerminated($0) }
        let onFailure = spec["template"]["spec"]["restartPolicy"].stringValue == "OnFailure"
        let restarts = onFailure
            ? active.reduce(Int64(0)) { sum, pod in
                sum + (pod["status"]["containerStatuses"].arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["restartCount"].intValue ?? 0) }
            } : 0
        // Counts only grow: a finished pod someone deleted still counted.
        let succeeded = max(Int64(pods.filter { $0["status"]["phase"] == "Succeeded" }.count), job["status"]["succeeded"].intValue ?? 0)
        let failed = max(Int64(pods.filter { $0["status"]["phase"] == "Failed" }.count), job["status"]["failed"].intValue ?? 0)
        let completions = spec["completions"].intValue
        let parallelism = spec["parallelism"].intValue ?? 1
        let backoffLimit = spec["backoffLimit"].intValue ?? 6
        let suspended = spec["suspend"].boolValue == true

        var status = job["status"]
        if status.objectValue == nil { status = .emptyObject }
        var holder: JSON = ["status": status]
        var remaining = active
        if suspended {
            for pod in active { await deletePod(pod) }
            remaining = []
            if job.condition("Suspended")?["status"].stringValue != "True" {
                holder.setCondition("Suspended", status: true, reason: "JobSuspended", message: "Job suspended", now: stamp)
                await events.record(job, kind: ResourceCatalog.jobs, reason: "Suspended", message: "Job suspended")
            }
            holder[path: ["status", "startTime"]] = nil
        } else if failed + restarts > backoffLimit {
            for pod in active { await deletePod(pod) }
            remaining = []
            let message = "Job has reached the specified backoff limit"
            holder.setCondition("FailureTarget", status: true, reason: "BackoffLimitExceeded", message: message, now: stamp)
            holder.setCondition("Failed", status: true, reason: "BackoffLimitExceeded", message: message, now: stamp)
            await events.record(job, kind: ResourceCatalog.jobs, type: "Warning", reason: "BackoffLimitExceeded", message: message)
        } else if succeeded >= (completions ?? 1), completions != nil || active.isEmpty {
            for pod in active { await deletePod(pod) }
            remaining = []
            let message = "Reached expected number of succeeded pods"
            holder.setCondition("SuccessCriteriaMet", status: true, reason: "CompletionsReached", message: message, now: stamp)
            holder.setCondition("Complete", status: true, reason: "CompletionsReached", message: message, now: stamp)
            holder[path: ["status", "completionTime"]] = .string(stamp)
            await events.record(job, kind: ResourceCatalog.jobs, reason: "Completed", message: "Job completed")
        } else {
            if job.condition("Suspended")?["status"].stringValue == "True" {
                holder.setCondition("Suspended", status: false, reason: "JobResumed", message: "Job resumed", now: stamp)
                await events.record(job, kind: ResourceCatalog.jobs, reason: "Resumed", message: "Job resumed")
            }
            if holder["status"]["startTime"] == .null { holder[path: ["status", "startTime"]] = .string(stamp) }
            let wanted = completions.map { min(parallelism, max($0 - succeeded, 0)) } ?? (succeeded > 0 ? Int64(active.count) : parallelism)
            if Int64(active.count) < wanted {
                for _ in Int64(active.count)..<wanted {
                    if let pod = await createPod(for: job) { remaining.append(pod) }
                }
            } else if Int64(active.count) > wanted {
                for pod in active.prefix(active.count - Int(wanted)) {
                    await deletePod(pod)
                    remaining.removeAll { $0.uid == pod.uid }
                }
            }
        }
        holder[path: ["status", "active"]] = remaining.isEmpty ? nil : .int(Int64(remaining.count))
        holder[path: ["status", "succeeded"]] = succeeded == 0 ? nil : .int(succeeded)
        holder[path: ["status", "failed"]] = failed == 0 ? nil : .int(failed)
        holder[path: ["status", "ready"]] = .int(Int64(remaining.filter(\.isReady).count))
        holder[path: ["status", "terminating"]] = .int(Int64(pods.filter(\.isDeleting).count))
        holder[path: ["status", "uncountedTerminatedPods"]] = .emptyObject
        let updated = holder["status"]
        await store.modify(key, subresource: "status") { $0["status"] = updated }
    }

    private func createPod(for job: JSON) async -> JSON? {
        let template = job["spec"]["template"]
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "generateName": .string(job.name + "-"), "namespace": .string(job.namespace),
                "labels": template["metadata"]["labels"],
                "ownerReferences": [job.ownerReference(ResourceCatalog.jobs)],
            ],
            "spec": template["spec"],
        ]
        if let annotations = template["metadata"]["annotations"].objectValue {
            pod[path: ["metadata", "annotations"]] = .object(annotations)
        }
        do {
            let admitted = try await admission.create(pod, kind: ResourceCatalog.pods, namespace: job.namespace)
            let created = try await store.create(admitted, kind: ResourceCatalog.pods)
            await events.record(job, kind: ResourceCatalog.jobs, reason: "SuccessfulCreate", message: "Created pod: \(created.name)")
            return created
        } catch {
            await events.record(
                job, kind: ResourceCatalog.jobs, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error.message)")
            return nil
        }
    }

    private func deletePod(_ pod: JSON) async {
        _ = try? await store.delete(ObjectKey(ResourceCatalog.pods, namespace: pod.namespace, name: pod.name))
    }
}
