import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A lab with a GitOps repository, a GitRepository `flux-system/gitops` reading it
/// and a Kustomization `flux-system/demo` applying `apps/demo`: a Namespace `demo`, a
/// Deployment `demo/web` and a ConfigMap `demo/web-config`.
struct FluxFixture: Sendable {
    let lab: LabFixture
    let git: GitOpsRepository

    static let files: [String: String] = [
        "apps/demo/kustomization.yaml": kustomization(resources: ["deployment.yaml", "config.yaml", "namespace.yaml"]),
        "apps/demo/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n",
        "apps/demo/deployment.yaml": deployment(replicas: 1, app: "web"),
        "apps/demo/config.yaml": config(mode: "cpu"),
        "apps/plain/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: debug\n",
        "README.md": "The demo homelab's GitOps repository.\n",
    ]

    static func kustomization(resources: [String]) -> String {
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
            + resources.map { "  - \($0)\n" }.joined()
    }

    static func deployment(replicas: Int, app: String, image: String = "busybox:1.36") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: demo
        spec:
          replicas: \(replicas)
          selector:
            matchLabels: {app: \(app)}
          template:
            metadata:
              labels: {app: \(app)}
            spec:
              containers:
                - name: web
                  image: \(image)
                  command: [sh, -c, sleep 3600]

        """
    }

    /// Two documents in one file, as people write them.
    static func config(mode: String) -> String {
        """
        # the detector's settings
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: demo
        data:
          mode: \(mode)
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-extra
          namespace: demo
        data:
          retries: "3"

        """
    }

    /// Starts a lab, the repository and the two Flux objects, and waits for the
    /// first apply before running `body`.
    static func with<T: Sendable>(
        suspend: Bool = false, _ body: @Sendable (FluxFixture) async throws -> T
    ) async throws -> T {
        try await LabFixture.with { lab in
            let git = try await GitOpsRepository.create(in: lab.directory.appendingPathComponent("git"), files: files)
            let fixture = FluxFixture(lab: lab, git: git)
            try await lab.lab.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "flux-system"]])
            try await lab.lab.create(gitRepository(url: git.url, branch: "main"))
            try await lab.lab.create([
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": ["name": "demo", "namespace": "flux-system"],
                "spec": [
                    "interval": "1m", "path": "./apps/demo", "prune": true, "suspend": .bool(suspend),
                    "sourceRef": ["kind": "GitRepository", "name": "gitops"],
                ],
            ])
            if !suspend {
                let head = try await git.head()
                try await fixture.kustomization("applies the first commit") {
                    $0.isReady && $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(head)")
                }
            }
            return try await body(fixture)
        }
    }

    static func gitRepository(name: String = "gitops", url: String, branch: String) -> JSON {
        [
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": ["name": .string(name), "namespace": "flux-system"],
            "spec": ["interval": "1m", "url": .string(url), "ref": ["branch": .string(branch)]],
        ]
    }

    /// Commits `files` (nil deletes) in the working copy, pushes, and asks Flux to
    /// reconcile source and Kustomization (`flux reconcile ks demo --with-source`).
    /// Returns the pushed commit and the requestedAt token used.
    func pushAndRequest(_ files: [String: String?], message: String) async throws -> (sha: String, token: String) {
        try git.write(files)
        let sha = try await git.commitAll(message)
        try await git.push()
        let token = "request-\(UUID().uuidString.prefix(8))"
        try await lab.kubectl.succeed(
            "annotate", "--overwrite", "-n", "flux-system", "gitrepository/gitops", "kustomization/demo",
            "\(FluxStatus.requestedAtAnnotation)=\(token)")
        return (sha, token)
    }

    /// Waits (watching the store) until the Kustomization `flux-system/demo` matches.
    @discardableResult
    func kustomization(
        _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        _ match: @escaping @Sendable (JSON) -> Bool
    ) async throws -> JSON {
        try await object(ResourceCatalog.kustomizations, "flux-system", "demo", what, timeout: timeout, sourceLocation: sourceLocation, match)
    }

    /// Waits until the object exists and matches (or, with `absent`, until it is gone).
    @discardableResult
    func object(
        _ kind: ResourceKind, _ namespace: String, _ name: String, _ what: String, timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation, _ match: @escaping @Sendable (JSON) -> Bool
    ) async throws -> JSON {
        let found = await lab.lab.waitUntil(kind, namespace: namespace, timeout: timeout) { list in
            list.first { $0.name == name && match($0) }
        }
        let last = await lab.lab.store.find(ObjectKey(kind, namespace: namespace, name: name))
        return try #require(found, "\(kind.kind) \(namespace)/\(name): \(what); last seen: \(last?.pretty ?? "absent")", sourceLocation: sourceLocation)
    }

    func find(_ kind: ResourceKind, _ namespace: String, _ name: String) async -> JSON? {
        await lab.lab.store.find(ObjectKey(kind, namespace: namespace, name: name))
    }
}
