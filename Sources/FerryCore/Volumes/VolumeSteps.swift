/// The volume steps of a migration, for the plan's volumes whose action is `move`:
/// retain and a first copy while the workload still runs (before scale-down), then
/// the final copy with its verification and the switch, each one step for all
/// volumes, once the workload is down: in their own lane, beside the device's move,
/// its checks, the driver, the label and the GitOps commit (`StepLane`); a reboot of
/// the target waits for them. Flux resumes only after the switch, so the pods it
/// starts find their data.
enum VolumeSteps {
    static func claims(_ plan: MigrationPlan) -> [String] {
        plan.volumes.filter { $0.action == .move }.map(\.claim)
    }

    static func beforeScaleDown(_ environment: MigrationEnvironment) -> [any MigrationStep] {
        let claims = claims(environment.plan)
        guard !claims.isEmpty else { return [] }
        return [RetainVolumesStep(environment: environment, claims: claims)]
            + claims.map { PreCopyStep(environment: environment, claim: $0) }
    }

    static func afterScaleDown(_ environment: MigrationEnvironment) -> [any MigrationStep] {
        let claims = claims(environment.plan)
        guard !claims.isEmpty else { return [] }
        return [FinalCopyStep(environment: environment, claims: claims),
                SwitchVolumesStep(environment: environment, claims: claims)]
    }

    /// Runs `body` for every claim at once and waits for all: one failure does not
    /// stop another claim halfway. The failures are reported together; an
    /// interruption goes to the runner as it is.
    static func eachAtOnce(_ claims: [String], _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let failures = try await withThrowingTaskGroup(of: (String, StepFailure?).self) { group in
            for claim in claims {
                group.addTask {
                    do {
                        try await body(claim)
                        return (claim, nil)
                    } catch let failure as StepFailure {
                        return (claim, failure)
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        return (claim, StepFailure("\(claim): \(error)", fix: "`ferry resume` tries \(claim) again"))
                    }
                }
            }
            var failures: [String: StepFailure] = [:]
            for try await (claim, failure) in group { if let failure { failures[claim] = failure } }
            return claims.compactMap { failures[$0] }
        }
        guard let first = failures.first else { return }
        guard failures.count > 1 else { throw first }
        throw StepFailure(failures.map(\.message).joined(separator: "\n  "), fix: first.fix)
    }
}
