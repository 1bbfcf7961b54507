import FerryJSON
import FerryKube

/// The checks every Flux object ferry suspends, resumes or waits for gets: it is
/// there, not suspended, and Ready. One that already fails would fail the deploy
/// phase for a reason that has nothing to do with the move, after the workload went down.
struct FluxObjectChecks: Sendable {
    let kube: KubeClient

    /// The labels kustomize-controller puts on what it applies.
    static let kustomizeName = "kustomize.toolkit.fluxcd.io/name"
    static let kustomizeNamespace = "kustomize.toolkit.fluxcd.io/namespace"
    /// The labels helm-controller puts on what a release renders, and Helm's own
    /// annotations (on every object Helm 3 manages, whoever ran it).
    static let helmName = "helm.toolkit.fluxcd.io/name"
    static let helmNamespace = "helm.toolkit.fluxcd.io/namespace"
    static let helmReleaseName = "meta.helm.sh/release-name"
    static let helmReleaseNamespace = "meta.helm.sh/release-namespace"

    /// The HelmRelease that renders `object`: helm-controller's labels, else Helm's
    /// release annotations (a release of the same name, as helm-controller names them
    /// unless `spec.releaseName` says otherwise); nil when neither is there.
    static func helmRelease(of object: JSON) -> MigrationPlan.ObjectRef? {
        let metadata = object["metadata"]
        let namespace = metadata["namespace"].stringValue ?? "default"
        if let name = metadata["labels"][helmName].stringValue {
            return MigrationPlan.ObjectRef(namespace: metadata["labels"][helmNamespace].stringValue ?? namespace, name: name)
        }
        if let name = metadata["annotations"][helmReleaseName].stringValue {
            return MigrationPlan.ObjectRef(namespace: metadata["annotations"][helmReleaseNamespace].stringValue ?? namespace, name: name)
        }
        return nil
    }

    /// The Kustomization that applies `object`, from kustomize-controller's labels.
    static func kustomization(of object: JSON) -> MigrationPlan.ObjectRef? {
        let labels = object["metadata"]["labels"]
        guard let name = labels[kustomizeName].stringValue else { return nil }
        return MigrationPlan.ObjectRef(
            namespace: labels[kustomizeNamespace].stringValue ?? object["metadata"]["namespace"].stringValue ?? "flux-system", name: name)
    }

    /// `flux` is the flux CLI's word for the kind (`kustomization`, `source git`,
    /// `helmrelease`); `field` the plan field that names the object.
    func check(_ type: ResourceType, _ ref: MigrationPlan.ObjectRef, flux: String, field: String) async -> PreflightResult {
        let kind = type.kind
        let check = "flux \(kind) \(ref)"
        let object: JSON
        do {
            object = try await kube.get(type, ref.name, namespace: ref.namespace)
        } catch where error.isNotFound {
            let list = flux == "source git" ? "flux get sources git -A" : "flux get \(flux)s -A"
            return .fail(check, "there is no \(kind) \(ref)", fix: "set \(field) to one of `\(list)`")
        } catch {
            return .fail(check, "cannot read \(kind) \(ref): \(error.description)",
                         fix: "check the cluster connection (kubectl get \(type.resource) -n \(ref.namespace))")
        }
        let resume = "flux resume \(flux) \(ref.name) -n \(ref.namespace)"
        if object["spec"]["suspend"].boolValue == true {
            let annotations = object["metadata"]["annotations"].objectValue ?? [:]
            let why = annotations.first { $0.key.hasSuffix("suspended-by") || $0.key.hasSuffix("suspend-reason") }
                .flatMap { $0.value.stringValue }.map { " (\($0))" } ?? ""
            return .fail(check, "\(kind) \(ref) is suspended\(why): Flux applies nothing until it is resumed",
                         fix: "\(resume), if nobody needs it suspended any more")
        }
        let ready = object["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == "Ready" }
        let message = ready?["message"].stringValue ?? ""
        switch ready?["status"].stringValue {
        case "True":
            return .pass(check, message.isEmpty ? "Ready" : "Ready: \(message)")
        case "False":
            let reason = ready?["reason"].stringValue.map { " (\($0))" } ?? ""
            return .fail(check, "\(kind) \(ref) is not Ready\(reason): \(message)",
                         fix: "fix what the message says (in Git or the cluster), then `flux reconcile \(flux) \(ref.name) -n \(ref.namespace)"
                             + (type == .gitRepositories ? "`" : " --with-source`"))
        default:
            return .warn(check, "\(kind) \(ref) has not reported Ready yet",
                         fix: "flux reconcile \(flux) \(ref.name) -n \(ref.namespace), then run ferry check again")
        }
    }
}
