import Foundation
import FerryJSON

/// What K3s's packaged components add to every cluster's API before anyone deploys
/// anything: Traefik's CRDs (its `traefik-crd` chart) and IngressClass, and the
/// HelmChart CRDs of K3s's helm-controller. Only their API is there: no Traefik
/// routes traffic and no helm-controller installs charts (see docs/LAB.md).
enum K3sAddons {
    static let traefikKinds = [
        "IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware", "MiddlewareTCP", "ServersTransport",
        "ServersTransportTCP", "TLSOption", "TLSStore", "TraefikService",
    ]

    static func apply(to store: ObjectStore) async throws {
        let now = Timestamp.string(Date())
        let helmLabels: JSON = ["app.kubernetes.io/managed-by": "Helm"]
        let helmAnnotations: JSON = ["meta.helm.sh/release-name": "traefik-crd", "meta.helm.sh/release-namespace": "kube-system"]
        var definitions = traefikKinds.map { kind in
            definition(group: "traefik.io", version: "v1alpha1", kind: kind, labels: helmLabels, annotations: helmAnnotations)
        }
        definitions.append(definition(
            group: "helm.cattle.io", version: "v1", kind: "HelmChart", status: true,
            columns: [("Job", ".status.jobName"), ("Chart", ".spec.chart"), ("TargetNamespace", ".spec.targetNamespace"),
                      ("Version", ".spec.version"), ("Repo", ".spec.repo"), ("HelmVersion", ".spec.helmVersion"),
                      ("Bootstrap", ".spec.bootstrap")]))
        definitions.append(definition(group: "helm.cattle.io", version: "v1", kind: "HelmChartConfig"))
        for var crd in definitions {
            CustomResourceDefinitions.applyDefaults(&crd, now: now)
            try await store.create(crd, kind: ResourceCatalog.customResourceDefinitions)
        }
        try await store.create(traefikIngressClass, kind: ResourceCatalog.ingressClasses)
    }

    /// The `traefik` class K3s's Traefik chart creates, the default for Ingresses naming none.
    static let traefikIngressClass: JSON = [
        "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": [
            "name": "traefik",
            "labels": ["app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "traefik"],
            "annotations": [
                "ingressclass.kubernetes.io/is-default-class": "true",
                "meta.helm.sh/release-name": "traefik", "meta.helm.sh/release-namespace": "kube-system",
            ],
        ],
        "spec": ["controller": "traefik.io/ingress-controller"],
    ]

    static func definition(
        group: String, version: String, kind: String, status: Bool = false, columns: [(String, String)] = [],
        labels: JSON = .emptyObject, annotations: JSON = .emptyObject
    ) -> JSON {
        let plural = kind.lowercased() + "s"
        var served: JSON = [
            "name": .string(version), "served": true, "storage": true,
            "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
        ]
        if status { served["subresources"] = ["status": .emptyObject] }
        if !columns.isEmpty {
            served["additionalPrinterColumns"] = .array(columns.map { ["name": .string($0.0), "type": "string", "jsonPath": .string($0.1)] })
        }
        return [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(plural).\(group)"), "labels": labels, "annotations": annotations],
            "spec": [
                "group": .string(group), "scope": "Namespaced",
                "names": ["kind": .string(kind), "plural": .string(plural), "singular": .string(kind.lowercased()),
                          "listKind": .string(kind + "List")],
                "versions": [served],
            ],
        ]
    }
}
