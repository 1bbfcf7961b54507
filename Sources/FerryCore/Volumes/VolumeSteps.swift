/// The volume steps of a migration, for the plan's volumes whose action is `move`:
/// retain and a first copy while the workload still runs (before scale-down), then
/// the final copy with its verification and the switch once the target is ready
/// (before the GitOps edit, so the pods Flux starts find their data).
enum VolumeSteps {
    static func claims(_ plan: MigrationPlan) -> [String] {
        plan.volumes.filter { $0.action == .move }.map(\.claim)
    }

    static func beforeScaleDown(_ environment: MigrationEnvironment, image: String = HelperImage.rsync) -> [any MigrationStep] {
        let claims = claims(environment.plan)
        guard !claims.isEmpty else { return [] }
        return [RetainVolumesStep(environment: environment, claims: claims)]
            + claims.map { PreCopyStep(environment: environment, claim: $0, image: image) }
    }

    static func afterTarget(_ environment: MigrationEnvironment, image: String = HelperImage.rsync) -> [any MigrationStep] {
        let claims = claims(environment.plan)
        guard !claims.isEmpty else { return [] }
        return [FinalCopyStep(environment: environment, claims: claims, image: image)]
            + claims.map { SwitchVolumeStep(environment: environment, claim: $0, image: image) }
    }
}
