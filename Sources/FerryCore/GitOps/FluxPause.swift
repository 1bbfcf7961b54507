import FerryJSON
import FerryKube
import Foundation

/// Keeps Flux off what ferry changes while the move is under way, at the plan's grain
/// (`gitops.pause`): the Kustomization suspended whole, only the objects ferry
/// changes marked `kustomize.toolkit.fluxcd.io/reconcile: disabled` so that every other
/// app the Kustomization applies keeps reconciling, or the HelmRelease that renders the
/// workload suspended (one release is one app).
///
/// Both grains carry `ferry.dev/suspended-by` with the reason, so a pause forgotten
/// after a failure says who left it in `kubectl describe`.
struct FluxPause: Sendable {
    static let reasonAnnotation = "ferry.dev/suspended-by"
    static let reconcileAnnotation = "kustomize.toolkit.fluxcd.io/reconcile"
    /// Journal key of the objects that carried the reconcile mark before ferry came:
    /// someone wanted them left alone, and resuming must not undo that.
    static let alreadyMarkedKey = "alreadyMarked"

    let plan: MigrationPlan
    let kube: KubeClient
    let gitops: MigrationPlan.GitOps

    var kustomization: MigrationPlan.ObjectRef { gitops.kustomization }
    /// The object suspended at the Kustomization's or the HelmRelease's grain.
    var suspended: (type: ResourceType, ref: MigrationPlan.ObjectRef) {
        if gitops.pause == .helmRelease, let release = gitops.helmRelease { return (.helmReleases, release) }
        return (.kustomizations, kustomization)
    }

    /// One object the mark goes on.
    struct Target: Sendable, Hashable, CustomStringConvertible {
        var type: ResourceType
        var name: String
        var description: String { "\(type.kind) \(name)" }
    }

    /// The workload (ferry scales it down, and Flux would scale it back up), the
    /// claims ferry replaces (Flux would re-create a deleted claim from Git, empty) and
    /// the CronJobs it pauses (Flux would apply Git's `suspend` over ferry's).
    var targets: [Target] { Self.targets(plan) }

    static func targets(_ plan: MigrationPlan) -> [Target] {
        var targets = [Target(type: plan.workload.kind == .statefulSet ? .statefulSets : .deployments, name: plan.workload.name)]
        targets += plan.volumes.filter { $0.action != .keep }.map { Target(type: .persistentVolumeClaims, name: $0.claim) }
        targets += plan.cronJobs.map { Target(type: .cronJobs, name: $0.name) }
        return targets
    }

    var reason: String {
        "ferry migration \(plan.name): moving \(plan.workload.namespace)/\(plan.workload.name) "
            + "from \(plan.source.node) to \(plan.target.node)"
    }

    /// What the step titles say.
    var summary: String {
        switch gitops.pause {
        case .kustomization: "Suspend Flux Kustomization \(kustomization)"
        case .objects: "Keep Flux Kustomization \(kustomization) off \(targets.map(\.description).joined(separator: ", "))"
        case .helmRelease: "Suspend Flux HelmRelease \(suspended.ref)"
        }
    }

    func isPaused() async throws -> Bool {
        switch gitops.pause {
        case .kustomization, .helmRelease:
            let (type, ref) = suspended
            return try await kube.get(type, ref.name, namespace: ref.namespace)["spec"]["suspend"].boolValue == true
        case .objects:
            for target in targets {
                guard let object = try await find(target) else { continue }
                if object["metadata"]["annotations"][Self.reconcileAnnotation].stringValue != "disabled" { return false }
            }
            return true
        }
    }

    /// Whether any target still carries ferry's mark (never for the Kustomization grain).
    func isMarked() async throws -> Bool {
        guard gitops.pause == .objects else { return false }
        for target in targets {
            if try await find(target)?["metadata"]["annotations"][Self.reasonAnnotation].stringValue != nil { return true }
        }
        return false
    }

    func pause(_ context: StepContext) async throws {
        var patch = JSON.object([:])
        patch[path: ["metadata", "annotations", Self.reasonAnnotation]] = .string(reason)
        switch gitops.pause {
        case .kustomization, .helmRelease:
            patch[path: ["spec", "suspend"]] = .bool(true)
            try await kube.patch(suspended.type, suspended.ref.name, namespace: suspended.ref.namespace, patch)
        case .objects:
            patch[path: ["metadata", "annotations", Self.reconcileAnnotation]] = .string("disabled")
            var already = await alreadyMarked(context)
            for target in targets {
                guard let object = try await find(target) else { continue }
                let marked = object["metadata"]["annotations"][Self.reconcileAnnotation].stringValue == "disabled"
                let ours = object["metadata"]["annotations"][Self.reasonAnnotation].stringValue != nil
                if marked && !ours && !already.contains(target.description) {
                    already.append(target.description)
                    try await context.remember(Self.alreadyMarkedKey, already.joined(separator: ","))
                }
                try await kube.patch(target.type, target.name, namespace: plan.workload.namespace, patch)
            }
        }
    }

    /// Takes the marks off (not the Kustomization's suspension: `FluxReconciler.resume`
    /// lifts that together with its reconcile request). Objects that carried the mark
    /// before ferry keep it.
    func unmark(_ context: StepContext) async throws {
        guard gitops.pause == .objects else { return }
        let already = await alreadyMarked(context)
        for target in targets {
            var patch = JSON.object([:])
            patch[path: ["metadata", "annotations", Self.reasonAnnotation]] = .some(.null)
            if !already.contains(target.description) {
                patch[path: ["metadata", "annotations", Self.reconcileAnnotation]] = .some(.null)
            }
            guard try await find(target) != nil else { continue }
            try await kube.patch(target.type, target.name, namespace: plan.workload.namespace, patch)
        }
    }

    /// The equivalent commands, for `--dry-run` and `ferry scripts`.
    func describePause() -> [String] {
        switch gitops.pause {
        case .kustomization, .helmRelease:
            let patch = #"{"spec":{"suspend":true},"metadata":{"annotations":{"ferry.dev/suspended-by":"ferry migration NAME"}}}"#
                .replacingOccurrences(of: "NAME", with: plan.name)
            let (type, ref) = suspended
            return ["kubectl -n \(ref.namespace) patch \(type.kind.lowercased()) \(ref.name) --type merge -p '\(patch)'"]
        case .objects:
            return targets.map {
                "kubectl -n \(plan.workload.namespace) annotate \($0.type.resource) \($0.name) --overwrite "
                    + "\(Self.reconcileAnnotation)=disabled '\(Self.reasonAnnotation)=ferry migration \(plan.name)'"
            }
        }
    }

    func describeUnmark() -> [String] {
        guard gitops.pause == .objects else { return [] }
        return targets.map {
            "kubectl -n \(plan.workload.namespace) annotate \($0.type.resource) \($0.name) \(Self.reconcileAnnotation)- \(Self.reasonAnnotation)-"
        }
    }

    private func alreadyMarked(_ context: StepContext) async -> [String] {
        await context.recall(Self.alreadyMarkedKey, of: SuspendFluxStep.id)?.split(separator: ",").map(String.init) ?? []
    }

    private func find(_ target: Target) async throws -> JSON? {
        try await kube.find(target.type, target.name, namespace: plan.workload.namespace)
    }
}
