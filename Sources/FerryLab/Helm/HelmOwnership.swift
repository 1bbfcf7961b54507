import FerryJSON

/// The marks a Helm release leaves on its objects: Helm's own (`managed-by`, and the
/// `meta.helm.sh` annotations `helm upgrade` checks before adopting an object) and
/// helm-controller's labels naming the HelmRelease, which find the objects again.
enum HelmOwnership {
    static let nameLabel = "helm.toolkit.fluxcd.io/name"
    static let namespaceLabel = "helm.toolkit.fluxcd.io/namespace"
    static let managedByLabel = "app.kubernetes.io/managed-by"
    static let releaseNameAnnotation = "meta.helm.sh/release-name"
    static let releaseNamespaceAnnotation = "meta.helm.sh/release-namespace"
    /// `disabled` on a live object (label or annotation): drift detection leaves it alone.
    static let driftDetectionKey = "helm.toolkit.fluxcd.io/driftDetection"
    /// `keep` (annotation): an upgrade that no longer renders the object does not delete it.
    static let resourcePolicyAnnotation = "helm.sh/resource-policy"
}

extension FluxApplier.Owner {
    /// The objects of release `release` in `namespace`, for the HelmRelease
    /// `name`/`owner namespace`. When correcting drift, objects marked
    /// `helm.toolkit.fluxcd.io/driftDetection: disabled` are left as they are.
    static func helmRelease(
        name: String, namespace ownerNamespace: String, release: String, releaseNamespace: String, correctingDrift: Bool
    ) -> FluxApplier.Owner {
        var owner = FluxApplier.Owner(
            labels: [
                HelmOwnership.nameLabel: name, HelmOwnership.namespaceLabel: ownerNamespace,
                HelmOwnership.managedByLabel: "Helm",
            ],
            annotations: [
                HelmOwnership.releaseNameAnnotation: release, HelmOwnership.releaseNamespaceAnnotation: releaseNamespace,
            ],
            identity: [HelmOwnership.nameLabel, HelmOwnership.namespaceLabel],
            defaultNamespace: releaseNamespace)
        owner.keeps = { $0.annotations[HelmOwnership.resourcePolicyAnnotation] == "keep" }
        if correctingDrift {
            owner.leavesAlone = { object in
                object.labels[HelmOwnership.driftDetectionKey] == "disabled"
                    || object.annotations[HelmOwnership.driftDetectionKey] == "disabled"
            }
        }
        return owner
    }
}
