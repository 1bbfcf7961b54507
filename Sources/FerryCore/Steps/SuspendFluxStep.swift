import FerryJSON
import FerryKube
import Foundation

/// Suspends the Flux Kustomization that applies the workload, so Flux does not
/// scale it back up or re-create what ferry moves while the move is under way.
///
/// The suspension carries an annotation saying who suspended it and why, so a
/// suspend forgotten after a failure is visible in `kubectl describe` (flux2's users
/// lose hours to silent ones).
struct SuspendFluxStep: MigrationStep {
    static let annotation = "ferry.dev/suspended-by"
    let environment: MigrationEnvironment
    let kustomization: MigrationPlan.ObjectRef

    var id: String { "suspend-flux" }
    var title: String { "Suspend Flux Kustomization \(kustomization)" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        let object = try await environment.kube.get(.kustomizations, kustomization.name, namespace: kustomization.namespace)
        return object["spec"]["suspend"].boolValue == true ? .done : .pending(reason: "\(kustomization) is not suspended")
    }

    func apply(_ context: StepContext) async throws {
        let reason = "ferry migration \(environment.plan.name): moving \(environment.workload.namespace)/\(environment.workload.name) "
            + "from \(environment.plan.source.node) to \(environment.plan.target.node)"
        var patch = JSON.object([:])
        patch[path: ["metadata", "annotations", Self.annotation]] = .string(reason)
        patch[path: ["spec", "suspend"]] = .bool(true)
        try await environment.kube.patch(.kustomizations, kustomization.name, namespace: kustomization.namespace, patch)
    }

    func undo(_ context: StepContext) async throws {
        try await FluxReconciler(environment: environment, kustomization: kustomization).resume(context)
    }

    func describe() -> [String] {
        let patch = #"{"spec":{"suspend":true},"metadata":{"annotations":{"ferry.dev/suspended-by":"ferry migration NAME"}}}"#
        let command = "kubectl -n \(kustomization.namespace) patch kustomization \(kustomization.name) --type merge -p '\(patch)'"
        return [command.replacingOccurrences(of: "NAME", with: environment.plan.name)]
    }
}
