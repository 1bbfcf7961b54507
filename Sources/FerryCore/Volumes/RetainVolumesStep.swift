import FerryJSON
import FerryKube
import Foundation

/// Sets every moved volume's PV to `Retain` before anything else happens to it, so
/// that no later delete (ferry's own switch, a Flux prune, a person's `kubectl
/// delete pvc`) can take the data with the claim (flux2 #5035).
///
/// Undo puts back the policy each PV had.
struct RetainVolumesStep: MigrationStep {
    let environment: MigrationEnvironment
    let claims: [String]

    var id: String { "retain-volumes" }
    var title: String { "Set the PVs of \(claims.joined(separator: ", ")) to Retain" }
    var phase: MigrationPhase { .source }

    func inspect(_ context: StepContext) async throws -> StepState {
        for claim in claims {
            let move = VolumeMove(environment: environment, claim: claim)
            guard let pv = try await move.current().1 else { continue }
            if pv.reclaimPolicy != "Retain" { return .pending(reason: "PV \(pv.name) of \(claim) has policy \(pv.reclaimPolicy)") }
        }
        return .done
    }

    func apply(_ context: StepContext) async throws {
        for claim in claims {
            let move = VolumeMove(environment: environment, claim: claim)
            let (_, pv) = try await move.boundOriginal()
            // Both keys or neither: a run killed between the two writes them again here,
            // before the policy changes.
            if await context.recall("policy.\(claim)") == nil {
                try await context.remember("pv.\(claim)", pv.name)
                try await context.remember("policy.\(claim)", pv.reclaimPolicy)
            }
            if pv.reclaimPolicy != "Retain" { try await move.setPolicy(pv.name, "Retain") }
            try await move.label(pv.name, role: "original")
        }
    }

    func undo(_ context: StepContext) async throws {
        for claim in claims {
            guard let name = await context.recall("pv.\(claim)"), let policy = await context.recall("policy.\(claim)") else { continue }
            guard try await environment.kube.find(.persistentVolumes, name) != nil else { continue }
            try await VolumeMove(environment: environment, claim: claim).setPolicy(name, policy)
        }
    }

    func describe() -> [String] {
        claims.map {
            "kubectl patch pv $(kubectl -n \(environment.workload.namespace) get pvc \($0) -o jsonpath='{.spec.volumeName}') "
                + "-p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'"
        }
    }
}
