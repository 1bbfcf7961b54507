import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A tree as homelabs write them, applied by the lab's Flux: a CRD with its objects in
/// the same folder, Traefik routes, an Ingress and RBAC.
@Suite("Flux applies trees with CRDs, custom resources, Ingress and RBAC")
struct FluxCustomResourceTests {
    static let files: [String: String?] = [
        // The custom resource first: Flux applies the CRD before it all the same.
        "apps/demo/kustomization.yaml": FluxFixture.kustomization(resources: [
            "backup.yaml", "deployment.yaml", "config.yaml", "namespace.yaml", "crd.yaml", "route.yaml", "ingress.yaml", "rbac.yaml",
        ]),
        "apps/demo/crd.yaml": CustomResourceTests.backupCRD,
        "apps/demo/backup.yaml": """
            apiVersion: lab.example.com/v1
            kind: Backup
            metadata:
              name: nightly
              namespace: demo
            spec:
              target: web
            """,
        "apps/demo/route.yaml": """
            apiVersion: traefik.io/v1alpha1
            kind: IngressRoute
            metadata:
              name: web
              namespace: demo
            spec:
              entryPoints: [websecure]
              routes:
              - match: Host(`web.home.arpa`)
                kind: Rule
                services:
                - name: web
                  port: 80
            """,
        "apps/demo/ingress.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: web
              namespace: demo
            spec:
              rules:
              - host: web.home.arpa
            """,
        "apps/demo/rbac.yaml": """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: web-reader
              namespace: demo
            rules:
            - apiGroups: [apps]
              resources: [deployments]
              verbs: [get]
            """,
    ]

    @Test("the tree reconciles Ready, its custom resources are stored, and one removed from Git is pruned")
    func appliesAndPrunes() async throws {
        try await FluxFixture.with { flux in
            let (sha, token) = try await flux.pushAndRequest(Self.files, message: "demo: backups, routes, ingress, rbac")
            let applied = try await flux.kustomization("applies the tree with its CRD") {
                $0["status"]["lastHandledReconcileAt"] == .string(token)
                    && $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(sha)") && $0.isReady
            }
            let inventory = (applied["status"]["inventory"]["entries"].arrayValue ?? []).compactMap { $0["id"].stringValue }
            #expect(inventory.contains("demo_nightly_lab.example.com_Backup"), "\(inventory)")
            #expect(inventory.contains("demo_web_traefik.io_IngressRoute"), "\(inventory)")

            let backups = try #require(await ResourceCatalog.served(by: flux.lab.lab.store).first { $0.kind == "Backup" })
            #expect(await flux.find(backups, "demo", "nightly")?["spec"]["target"] == "web")
            let routes = try #require(await ResourceCatalog.served(by: flux.lab.lab.store).first { $0.kind == "IngressRoute" })
            #expect(await flux.find(routes, "demo", "web") != nil)
            #expect(await flux.find(ResourceCatalog.ingresses, "demo", "web")?["spec"]["ingressClassName"] == "traefik")
            #expect(await flux.find(ResourceCatalog.roles, "demo", "web-reader") != nil)
            let table = try await flux.lab.kubectl.succeed("get", "ingressroutes", "-n", "demo")
            #expect(table.contains("web"), "\(table)")

            var without = Self.files
            without["apps/demo/kustomization.yaml"] = FluxFixture.kustomization(resources: [
                "deployment.yaml", "config.yaml", "namespace.yaml", "crd.yaml", "route.yaml", "ingress.yaml", "rbac.yaml",
            ])
            without["apps/demo/backup.yaml"] = .some(nil)
            let (second, secondToken) = try await flux.pushAndRequest(without, message: "demo: no nightly backup")
            _ = try await flux.kustomization("prunes the backup") {
                $0["status"]["lastHandledReconcileAt"] == .string(secondToken)
                    && $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(second)") && $0.isReady
            }
            #expect(await flux.find(backups, "demo", "nightly") == nil)
            #expect(await flux.find(routes, "demo", "web") != nil)
        }
    }
}
