import Foundation

/// The run's first phase: `ferry check`, whose failure stops the run before
/// anything changes. It also decides how the target VM is reached for the rest of
/// the run, and the journal records it.
struct PreflightStep: MigrationStep {
    let environment: MigrationEnvironment

    var id: String { "preflight" }
    var title: String { "Pre-flight checks" }
    var phase: MigrationPhase { .preflight }

    func inspect(_ context: StepContext) async throws -> StepState {
        .pending(reason: "checks always run")
    }

    func apply(_ context: StepContext) async throws {
        let report = await Preflight(
            plan: environment.plan, connections: environment.connections,
            planDirectory: environment.planFile.deletingLastPathComponent()
        ).run()
        for result in report.results where result.status == .warn {
            context.warn("\(result.check): \(result.reason)")
        }
        if let method = report.targetAccess {
            await context.used(method)
            try await context.recordTargetAccess(method.rawValue)
        }
        guard !report.blocks else {
            let failures = report.results.filter { $0.status == .fail }
            throw StepFailure(
                failures.map { "\($0.check): \($0.reason)" + ($0.fix.map { "\n    fix: \($0)" } ?? "") }.joined(separator: "\n  "),
                fix: "fix the failures above (`ferry check PLAN` shows them all), then `ferry resume`")
        }
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { ["ferry check (every pre-flight check; a failure stops the run here)"] }
}
