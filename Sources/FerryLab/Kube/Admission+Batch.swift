import FerryJSON
import Foundation

/// Jobs and CronJobs as the apiserver's batch strategies admit them: a Job gets a
/// uid now, its selector from that uid and the labels Kubernetes puts on its pods
/// (`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`, and the
/// legacy `controller-uid`, `job-name`); both get their defaults; a pod template
/// must restart `Never` or `OnFailure`, and a schedule must parse.
extension Admission {
    static func defaultJob(_ job: inout JSON) {
        var spec = job["spec"]
        if spec["completions"] == .null, spec["parallelism"] == .null { spec["completions"] = 1 }
        if spec["parallelism"] == .null { spec["parallelism"] = 1 }
        if spec["backoffLimit"] == .null { spec["backoffLimit"] = 6 }
        if spec["completionMode"] == .null { spec["completionMode"] = "NonIndexed" }
        if spec["suspend"] == .null { spec["suspend"] = false }
        if spec["podReplacementPolicy"] == .null { spec["podReplacementPolicy"] = "TerminatingOrFailed" }
        job["spec"] = spec
        PodDefaults.apply(toTemplateOf: &job)
        if job.uid.isEmpty { job[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased()) }
        guard job["spec"]["manualSelector"].boolValue != true else { return }
        let uid = JSON.string(job.uid), name = JSON.string(job.name)
        job[path: ["spec", "selector"]] = ["matchLabels": ["batch.kubernetes.io/controller-uid": uid]]
        var labels = job["spec"]["template"]["metadata"]["labels"]
        if labels.objectValue == nil { labels = .emptyObject }
        labels["batch.kubernetes.io/controller-uid"] = uid
        labels["batch.kubernetes.io/job-name"] = name
        labels["controller-uid"] = uid
        labels["job-name"] = name
        job[path: ["spec", "template", "metadata", "labels"]] = labels
    }

    static func defaultCronJob(_ cronJob: inout JSON) {
        var spec = cronJob["spec"]
        if spec["concurrencyPolicy"] == .null { spec["concurrencyPolicy"] = "Allow" }
        if spec["suspend"] == .null { spec["suspend"] = false }
        if spec["successfulJobsHistoryLimit"] == .null { spec["successfulJobsHistoryLimit"] = 3 }
        if spec["failedJobsHistoryLimit"] == .null { spec["failedJobsHistoryLimit"] = 1 }
        var template = spec["jobTemplate"]
        if template["spec"]["template"]["spec"] != .null {
            var shaped: JSON = ["spec": ["template": template["spec"]["template"]]]
            PodDefaults.apply(toTemplateOf: &shaped)
            template[path: ["spec", "template"]] = shaped["spec"]["template"]
        }
        spec["jobTemplate"] = template
        cronJob["spec"] = spec
    }

    static func validateJob(_ job: JSON, kind: ResourceKind, prefix: String = "spec") throws(APIError) {
        let policy = job[path: prefix.split(separator: ".").map(String.init) + ["template", "spec", "restartPolicy"]]?.stringValue
        guard let policy, ["OnFailure", "Never"].contains(policy) else {
            let shown = policy.map { "Unsupported value: \"\($0)\": supported values: \"OnFailure\", \"Never\"" }
                ?? "Required value: valid values: \"OnFailure\", \"Never\""
            throw .invalid(kind, job.name, field: "\(prefix).template.spec.restartPolicy", shown)
        }
        for field in ["completions", "parallelism", "backoffLimit"] {
            if let value = job[path: prefix.split(separator: ".").map(String.init) + [field]]?.intValue, value < 0 {
                throw .invalid(kind, job.name, field: "\(prefix).\(field)", "Invalid value: \(value): must be greater than or equal to 0")
            }
        }
        if let mode = job[path: prefix.split(separator: ".").map(String.init) + ["completionMode"]]?.stringValue, mode != "NonIndexed" {
            throw .invalid(
                kind, job.name, field: "\(prefix).completionMode",
                "Unsupported value: \"\(mode)\": the lab runs NonIndexed Jobs only (see docs/LAB.md)")
        }
    }

    static func validateCronJob(_ cronJob: JSON) throws(APIError) {
        let kind = ResourceCatalog.cronJobs
        let schedule = cronJob["spec"]["schedule"].stringValue ?? ""
        if schedule.isEmpty { throw .invalid(kind, cronJob.name, field: "spec.schedule", "Required value") }
        do {
            _ = try CronSchedule(parsing: schedule)
        } catch {
            throw .invalid(kind, cronJob.name, field: "spec.schedule", "Invalid value: \"\(schedule)\": \(error.message)")
        }
        if let zone = cronJob["spec"]["timeZone"].stringValue, TimeZone(identifier: zone) == nil {
            throw .invalid(kind, cronJob.name, field: "spec.timeZone", "Invalid value: \"\(zone)\": unknown time zone \(zone)")
        }
        let policy = cronJob["spec"]["concurrencyPolicy"].stringValue ?? "Allow"
        if !["Allow", "Forbid", "Replace"].contains(policy) {
            throw .invalid(
                kind, cronJob.name, field: "spec.concurrencyPolicy",
                "Unsupported value: \"\(policy)\": supported values: \"Allow\", \"Forbid\", \"Replace\"")
        }
        try validateJob(cronJob, kind: kind, prefix: "spec.jobTemplate.spec")
    }
}
