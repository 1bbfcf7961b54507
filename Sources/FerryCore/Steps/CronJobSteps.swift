import FerryJSON
import FerryKube
import Foundation

/// Suspends the CronJobs beside the workload (`cronJobs`) before it goes down, and
/// waits for their running Jobs to end: a health-checker that restarts the app, or a
/// backup that holds its claims, must not act in the middle of the move.
///
/// Each CronJob's `spec.suspend` is journaled first, so that the resume step and
/// undo put back exactly what was there (a CronJob someone had suspended stays so).
struct PauseCronJobsStep: MigrationStep {
    static let id = "pause-cronjobs"
    let environment: MigrationEnvironment

    var cronJobs: [MigrationPlan.CronJob] { environment.plan.cronJobs }
    var id: String { Self.id }
    var title: String { "Suspend CronJob\(cronJobs.count == 1 ? "" : "s") \(cronJobs.map(\.name).joined(separator: ", "))" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        for cronJob in cronJobs {
            guard let object = try await CronJobs.find(cronJob.name, environment) else { continue }
            if object["spec"]["suspend"].boolValue != true { return .pending(reason: "CronJob \(cronJob.name) is not suspended") }
            if let running = CronJobs.active(object).first { return .pending(reason: "Job \(running) of CronJob \(cronJob.name) is running") }
        }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        for cronJob in cronJobs {
            guard let object = try await CronJobs.find(cronJob.name, environment) else { continue }
            if await context.recall(CronJobs.key(cronJob.name)) == nil {
                try await context.remember(CronJobs.key(cronJob.name), object["spec"]["suspend"].boolValue == true ? "true" : "false")
            }
            try await CronJobs.suspend(cronJob.name, environment)
        }
        for cronJob in cronJobs { try await waitForJobs(of: cronJob.name, context) }
    }

    /// Suspending stops new Jobs, not running ones: a running backup still holds the
    /// claims the switch replaces, so the move waits for it rather than kill it.
    private func waitForJobs(of name: String, _ context: StepContext) async throws {
        let namespace = environment.workload.namespace
        let timeout = environment.plan.timeouts.podReady
        guard let object = try await CronJobs.find(name, environment), !CronJobs.active(object).isEmpty else { return }
        context.waiting("the running Jobs of CronJob \(name) to end")
        do {
            _ = try await environment.kube.waitFor(
                .cronJobs, name, namespace: namespace, timeout: timeout.duration, waitingFor: "the Jobs of CronJob \(name) to end"
            ) { object in object.map { CronJobs.active($0).isEmpty } ?? true }
        } catch {
            guard isTimeout(error) else { throw error }
            let running = (try? await CronJobs.find(name, environment)).flatMap { $0 }.map(CronJobs.active) ?? []
            throw StepFailure(
                "Job \(running.joined(separator: ", ")) of CronJob \(name) was still running \(timeout) after the CronJob was suspended",
                fix: "let it finish, or stop it: kubectl -n \(namespace) delete job \(running.first ?? "JOB"); then `ferry resume`")
        }
    }

    func undo(_ context: StepContext) async throws {
        try await CronJobs.restore(environment, context: context)
    }

    func describe() -> [String] {
        cronJobs.map {
            "kubectl -n \(environment.workload.namespace) patch cronjob \($0.name) -p '{\"spec\":{\"suspend\":true}}' "
                + "(and wait until its running Jobs end)"
        }
    }
}

/// Gives the CronJobs back once the workload is Ready on the target: each as it was
/// before the pause (its node pin, when it had one, came with the GitOps edit).
struct ResumeCronJobsStep: MigrationStep {
    let environment: MigrationEnvironment

    var cronJobs: [MigrationPlan.CronJob] { environment.plan.cronJobs }
    var id: String { "resume-cronjobs" }
    var title: String { "Resume CronJob\(cronJobs.count == 1 ? "" : "s") \(cronJobs.map(\.name).joined(separator: ", "))" }
    var phase: MigrationPhase { .deploy }

    func inspect(_ context: StepContext) async throws -> StepState {
        for cronJob in cronJobs {
            guard let object = try await CronJobs.find(cronJob.name, environment) else { continue }
            if !object["metadata"]["annotations"][CronJobs.annotation].isNull {
                return .pending(reason: "CronJob \(cronJob.name) is still suspended by ferry")
            }
        }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        try await CronJobs.restore(environment, context: context)
    }

    func undo(_ context: StepContext) async throws {
        for cronJob in cronJobs where try await CronJobs.find(cronJob.name, environment) != nil {
            try await CronJobs.suspend(cronJob.name, environment)
        }
    }

    func describe() -> [String] {
        cronJobs.map { "kubectl -n \(environment.workload.namespace) patch cronjob \($0.name) -p '{\"spec\":{\"suspend\":false}}' (or as it was)" }
    }
}

/// What the two steps share: the journal key, the suspend and its reason, the restore.
enum CronJobs {
    /// Says who suspended it and why; its own key, since a Flux pause at the objects'
    /// grain puts (and lifts) `ferry.dev/suspended-by` on the same CronJob.
    static let annotation = "ferry.dev/paused-by"

    static func key(_ name: String) -> String { "suspend.\(name)" }

    static func find(_ name: String, _ environment: MigrationEnvironment) async throws -> JSON? {
        try await environment.kube.find(.cronJobs, name, namespace: environment.workload.namespace)
    }

    /// The names of its running Jobs (`status.active`).
    static func active(_ cronJob: JSON) -> [String] {
        (cronJob["status"]["active"].arrayValue ?? []).compactMap { $0["name"].stringValue }
    }

    static func suspend(_ name: String, _ environment: MigrationEnvironment) async throws {
        var patch = JSON.object([:])
        patch[path: ["spec", "suspend"]] = .bool(true)
        patch[path: ["metadata", "annotations", annotation]] = .string(
            "ferry migration \(environment.plan.name): \(environment.workload.namespace)/\(environment.workload.name) is moving")
        try await environment.kube.patch(.cronJobs, name, namespace: environment.workload.namespace, patch)
    }

    /// Each CronJob's `spec.suspend` as the pause step journaled it; ferry's annotation off.
    static func restore(_ environment: MigrationEnvironment, context: StepContext) async throws {
        for cronJob in environment.plan.cronJobs {
            guard let recorded = await context.recall(key(cronJob.name), of: PauseCronJobsStep.id),
                try await find(cronJob.name, environment) != nil
            else { continue }
            var patch = JSON.object([:])
            patch[path: ["spec", "suspend"]] = .bool(recorded == "true")
            patch[path: ["metadata", "annotations", annotation]] = .some(.null)
            try await environment.kube.patch(.cronJobs, cronJob.name, namespace: environment.workload.namespace, patch)
        }
    }
}
