import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// Ingress, IngressClass and the RBAC kinds with the real kubectl: stored, listed,
/// printed and watched like on K3s (RBAC is not enforced; see docs/LAB.md).
@Suite("Ingress and RBAC kinds")
struct NetworkingRBACTests {
    @Test("an Ingress naming no class gets the default traefik class, and kubectl get prints its hosts and ports")
    func ingress() async throws {
        try await LabFixture.with { lab in
            #expect(try await lab.kubectl.apply("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: frigate
                spec:
                  tls:
                  - hosts: [frigate.home.arpa]
                    secretName: frigate-tls
                  rules:
                  - host: frigate.home.arpa
                    http:
                      paths:
                      - path: /
                        pathType: Prefix
                        backend:
                          service:
                            name: frigate
                            port:
                              number: 5000
                """) == "ingress.networking.k8s.io/frigate created\n")
            let ingress = try await lab.kubectl.json("get", "ing", "frigate")
            #expect(ingress["spec"]["ingressClassName"] == "traefik")
            let table = try await lab.kubectl.succeed("get", "ingress")
            let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("frigate") }, "\(table)")
            #expect(row.contains("traefik") && row.contains("frigate.home.arpa") && row.contains("80, 443"), "\(table)")
            #expect(table.hasPrefix("NAME") && table.contains("CLASS") && table.contains("HOSTS"), "\(table)")
            try await lab.kubectl.succeed("delete", "ingress", "frigate")
            #expect(try await lab.kubectl.succeed("get", "ingress", "-o", "name").isEmpty)
        }
    }

    @Test("Roles, RoleBindings, ClusterRoles and ClusterRoleBindings apply, list with kubectl get, and are watched")
    func rbac() async throws {
        try await LabFixture.with { lab in
            let manifest = """
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: health-checker
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: restart-frigate
                rules:
                - apiGroups: [apps]
                  resources: [deployments]
                  verbs: [get, patch]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: health-checker
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                  name: restart-frigate
                subjects:
                - kind: ServiceAccount
                  name: health-checker
                  namespace: default
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: node-reader
                rules:
                - apiGroups: [""]
                  resources: [nodes]
                  verbs: [get, list, watch]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: node-reader
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: node-reader
                subjects:
                - kind: Group
                  name: viewers
                  apiGroup: rbac.authorization.k8s.io
                """
            let applied = try await lab.kubectl.apply(manifest)
            for line in ["role.rbac.authorization.k8s.io/restart-frigate created",
                         "rolebinding.rbac.authorization.k8s.io/health-checker created",
                         "clusterrole.rbac.authorization.k8s.io/node-reader created",
                         "clusterrolebinding.rbac.authorization.k8s.io/node-reader created"] {
                #expect(applied.contains(line), "\(applied)")
            }
            #expect(try await lab.kubectl.apply(manifest).contains("role.rbac.authorization.k8s.io/restart-frigate unchanged"))

            let roles = try await lab.kubectl.succeed("get", "roles")
            #expect(roles.hasPrefix("NAME") && roles.contains("CREATED AT") && roles.contains("restart-frigate"), "\(roles)")
            let bindings = try await lab.kubectl.succeed("get", "rolebindings", "-o", "wide")
            let row = try #require(bindings.split(separator: "\n").first { $0.hasPrefix("health-checker") }, "\(bindings)")
            #expect(row.contains("Role/restart-frigate") && row.contains("default/health-checker"), "\(bindings)")
            let clusterBindings = try await lab.kubectl.succeed("get", "clusterrolebinding", "node-reader", "-o", "wide")
            #expect(clusterBindings.contains("ClusterRole/node-reader") && clusterBindings.contains("viewers"), "\(clusterBindings)")
            let clusterRole = try await lab.kubectl.json("get", "clusterrole", "node-reader")
            #expect(clusterRole["rules"].arrayValue?.first?["verbs"] == ["get", "list", "watch"])
            #expect(clusterRole["metadata"]["namespace"] == .null)

            try await lab.kubectl.succeed("delete", "role", "restart-frigate")
            try await lab.kubectl.watching("get", "roles", "--watch", "-o", "name") { stream in
                try await lab.kubectl.apply(manifest)
                try await stream.waitForOutput("the watch to print the role") { $0.contains("role.rbac.authorization.k8s.io/restart-frigate") }
            }
            let resources = try await lab.kubectl.succeed("api-resources", "--api-group=rbac.authorization.k8s.io", "-o", "name")
            #expect(resources.split(separator: "\n").sorted()
                == ["clusterrolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
                    "rolebindings.rbac.authorization.k8s.io", "roles.rbac.authorization.k8s.io"], "\(resources)")
        }
    }
}
