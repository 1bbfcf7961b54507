import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A lab with a GitOps repository holding a small chart (`charts/web`: a Deployment
/// `web` of busybox and a ConfigMap `web-config` from `.Values.mode`, and a ConfigMap
/// `web-extra` while `.Values.extra` is set), the GitRepository `flux-system/gitops`
/// reading it, namespace `media` (apart from FluxFixture's `demo`, whose Deployment is
/// also `web`), and the HelmRelease `media/web` the test gives.
struct HelmFixture: Sendable {
    let flux: FluxFixture

    var lab: LabFixture { flux.lab }
    var git: GitOpsRepository { flux.git }

    static let chart: [String: String] = [
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: \"1.36\"\n",
        "charts/web/values.yaml": "replicas: 1\nmode: cpu\nextra: false\nnodeSelector: {}\n",
        "charts/web/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}
            spec:
              replicas: {{ .Values.replicas }}
              selector:
                matchLabels: {app: {{ .Release.Name }}}
              template:
                metadata:
                  labels: {app: {{ .Release.Name }}}
                spec:
                  {{- with .Values.nodeSelector }}
                  nodeSelector:
                    {{- toYaml . | nindent 8 }}
                  {{- end }}
                  containers:
                    - name: web
                      image: "busybox:{{ .Chart.AppVersion }}"
                      command: [sh, -c, sleep 3600]

            """,
        "charts/web/templates/config.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-config
            data:
              mode: {{ .Values.mode | quote }}
            {{- if .Values.extra }}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-extra
            data:
              retries: "3"
            {{- end }}

            """,
    ]

    /// A HelmRelease of `charts/web` in `media`, with `spec` fields merged over the usual ones.
    static func release(name: String = "web", _ spec: JSON = [:]) -> JSON {
        [
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": ["name": .string(name), "namespace": "media"],
            "spec": HelmValues.merge([
                "interval": "1m",
                "chart": ["spec": ["chart": "./charts/web", "sourceRef": ["kind": "GitRepository", "name": "gitops", "namespace": "flux-system"]]],
            ], spec),
        ]
    }

    /// Starts the lab (Flux's demo Kustomization applied first, see `FluxFixture`),
    /// adds the chart to the repository, creates `release` (if any) and runs `body`.
    static func with<T: Sendable>(
        release: JSON? = HelmFixture.release(), files: [String: String?] = [:], _ body: @Sendable (HelmFixture) async throws -> T
    ) async throws -> T {
        try await FluxFixture.with { flux in
            let fixture = HelmFixture(flux: flux)
            _ = try await flux.pushAndRequest(chart.mapValues { Optional($0) }.merging(files) { $1 }, message: "the web chart")
            let head = try await flux.git.head()
            try await flux.object(ResourceCatalog.gitRepositories, "flux-system", "gitops", "has the chart") {
                $0["status"]["artifact"]["revision"] == .string("main@sha1:\(head)")
            }
            try await flux.lab.lab.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "media"]])
            if let release { try await flux.lab.lab.create(release) }
            return try await body(fixture)
        }
    }

    /// Waits until the HelmRelease `media/NAME` matches.
    @discardableResult
    func release(
        _ what: String, name: String = "web", timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation, _ match: @escaping @Sendable (JSON) -> Bool
    ) async throws -> JSON {
        try await flux.object(ResourceCatalog.helmReleases, "media", name, what, timeout: timeout, sourceLocation: sourceLocation, match)
    }

    /// Waits for `media/NAME` to have handled its current generation, successfully.
    @discardableResult
    func released(_ name: String = "web", sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        try await release("released its generation", name: name, sourceLocation: sourceLocation) {
            $0["status"]["observedGeneration"] == $0["metadata"]["generation"] && $0.isReady
        }
    }

    /// A round of the Flux controller has run since the caller's last change: a
    /// fresh HelmRelease sorting after `web` in `media` has been reconciled.
    func barrier() async throws {
        let name = "zz-barrier-\(UUID().uuidString.prefix(6).lowercased())"
        try await lab.lab.create(Self.release(name: name))
        try await release("reconciled", name: name) { $0["status"]["observedGeneration"] == 1 }
    }

    /// Asks for a reconcile of `media/web` (`flux reconcile hr web -n media`) and waits for the answer.
    @discardableResult
    func requestReconcile(_ name: String = "web") async throws -> JSON {
        let token = "request-\(UUID().uuidString.prefix(8))"
        try await lab.kubectl.succeed(
            "annotate", "--overwrite", "-n", "media", "helmrelease/\(name)", "\(FluxStatus.requestedAtAnnotation)=\(token)")
        return try await release("answers the request", name: name) { $0["status"]["lastHandledReconcileAt"] == .string(token) }
    }

    func find(_ kind: ResourceKind, _ namespace: String, _ name: String) async -> JSON? {
        await flux.find(kind, namespace, name)
    }
}
