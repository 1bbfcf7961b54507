import FerryJSON
import FerryKube

/// Every Secret and ConfigMap the pod spec references exists in the namespace, with
/// the keys it reads. Secrets are read as `SecretMetadata`, which drops the values
/// on decoding: only names and keys are ever looked at.
struct ReferenceChecks: PreflightCheckGroup {
    let plan: MigrationPlan
    let kube: KubeClient
    let facts: PreflightFacts
    var name: String { "references" }
    var waitsFor: String { "the Kubernetes API (Secrets and ConfigMaps of \(plan.workload.namespace))" }

    func run() async -> [PreflightResult] {
        let namespace = plan.workload.namespace
        let spec: JSON
        switch await facts.podSpec() {
        case .success(let found): spec = found
        case .failure(let failure): return [failure.result("references")]
        }
        let references = PodReference.all(in: spec)
        guard !references.isEmpty else {
            return [.pass("references", "the pod spec references no Secret or ConfigMap")]
        }
        async let secretList = kube.list(SecretMetadata.self, namespace: namespace)
        async let configMapList = kube.list(ConfigMap.self, namespace: namespace)
        let keys: [PodReference.Kind: [String: Set<String>]]
        do {
            let secrets = try await secretList
            let configMaps = try await configMapList
            keys = [
                .secret: Dictionary(secrets.map { ($0.name, Set($0.keys)) }) { first, _ in first },
                .configMap: Dictionary(configMaps.map { ($0.name, Set($0.data.keys)) }) { first, _ in first },
            ]
        } catch {
            return [.fail("references", "cannot list the Secrets and ConfigMaps of \(namespace): \(error)",
                          fix: "check the cluster connection (kubectl get secrets,configmaps -n \(namespace))")]
        }
        var results: [PreflightResult] = []
        var seen: Set<String> = []
        for reference in references {
            let id = "\(reference.kind.rawValue)/\(reference.name)/\(reference.key ?? "")"
            guard seen.insert(id).inserted else { continue }
            results.append(check(reference, keys: keys[reference.kind]?[reference.name], namespace: namespace))
        }
        return results
    }

    private func check(_ reference: PodReference, keys: Set<String>?, namespace: String) -> PreflightResult {
        let kind = reference.kind.rawValue
        let check = "\(kind.lowercased()) \(reference.name)"
        let restore = "restore it in Git (or `kubectl get \(kind.lowercased()) \(reference.name) -n \(namespace)` on a backup), "
            + "or remove the reference from the pod spec"
        guard let keys else {
            if reference.optional {
                return .warn(check, "\(kind) \(namespace)/\(reference.name) does not exist; it is optional (\(reference.usage))")
            }
            return .fail(check, "\(kind) \(namespace)/\(reference.name) does not exist, and the pod needs it (\(reference.usage)): "
                             + "the new pod would not start", fix: restore)
        }
        if let key = reference.key, !keys.contains(key) {
            if reference.optional {
                return .warn(check, "\(kind) \(namespace)/\(reference.name) has no key \(key); it is optional (\(reference.usage))")
            }
            return .fail(check, "\(kind) \(namespace)/\(reference.name) has no key \(key), which \(reference.usage) reads",
                         fix: "add the key \(key) to \(kind) \(reference.name), or fix the reference in the pod spec")
        }
        return .pass(check, "exists (\(reference.usage))")
    }
}
