import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// CustomResourceDefinitions with the real kubectl: a CRD created is served like a
/// built-in kind, its objects go with it, and the CRDs K3s installs are there from the start.
@Suite("CustomResourceDefinitions and custom resources")
struct CustomResourceTests {
    static let backupCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: backups.lab.example.com
        spec:
          group: lab.example.com
          scope: Namespaced
          names:
            kind: Backup
            plural: backups
            singular: backup
            shortNames: [bk]
            categories: [all]
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
            additionalPrinterColumns:
            - name: Target
              type: string
              jsonPath: .spec.target
            - name: Phase
              type: string
              jsonPath: .status.phase
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-preserve-unknown-fields: true
        """

    static func backup(_ name: String, target: String) -> String {
        """
        apiVersion: lab.example.com/v1
        kind: Backup
        metadata:
          name: \(name)
        spec:
          target: \(target)
        """
    }

    @Test("a created CRD is accepted and established, and its kind is served: apply, get by plural and short name, api-resources, patch")
    func crdServesItsKind() async throws {
        try await LabFixture.with { lab in
            let before = try await lab.kubectl.run("get", "backups")
            #expect(!before.succeeded)
            #expect(before.stderr.contains("the server doesn't have a resource type \"backups\""), "\(before)")

            try await lab.kubectl.apply(Self.backupCRD)
            let crd = try await lab.kubectl.json("get", "crd", "backups.lab.example.com")
            #expect(crd.condition(type: "NamesAccepted")?["status"] == "True")
            #expect(crd.condition(type: "Established")?["status"] == "True")
            #expect(crd["status"]["acceptedNames"]["kind"] == "Backup")
            #expect(crd["status"]["storedVersions"] == ["v1"])

            #expect(try await lab.kubectl.apply(Self.backup("nightly", target: "frigate-media")) == "backup.lab.example.com/nightly created\n")
            let table = try await lab.kubectl.succeed("get", "bk")
            #expect(table.hasPrefix("NAME"), "\(table)")
            #expect(table.contains("TARGET") && table.contains("PHASE"), "\(table)")
            #expect(table.contains("nightly") && table.contains("frigate-media"), "\(table)")
            let object = try await lab.kubectl.json("get", "backups.lab.example.com", "nightly")
            #expect(object["apiVersion"] == "lab.example.com/v1")
            #expect(object["spec"]["target"] == "frigate-media")

            let resources = try await lab.kubectl.succeed("api-resources", "--api-group=lab.example.com")
            #expect(resources.contains("backups") && resources.contains("bk") && resources.contains("Backup"), "\(resources)")

            try await lab.kubectl.succeed("patch", "backup", "nightly", "--type=merge", "-p", #"{"spec":{"target":"frigate-config"}}"#)
            #expect(try await lab.kubectl.json("get", "backup", "nightly")["spec"]["target"] == "frigate-config")
            let strategic = try await lab.kubectl.run("patch", "backup", "nightly", "--type=strategic", "-p", #"{"spec":{"target":"x"}}"#)
            #expect(!strategic.succeeded)
            #expect(strategic.stderr.contains("unknown format") || strategic.stderr.contains("415"), "\(strategic)")
        }
    }

    @Test("the status subresource of a custom resource changes status only, and the main resource ignores status")
    func statusSubresource() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Self.backupCRD)
            try await lab.kubectl.apply(Self.backup("nightly", target: "frigate-media"))
            try await lab.kubectl.succeed(
                "patch", "backup", "nightly", "--subresource=status", "--type=merge", "-p", #"{"status":{"phase":"Done"}}"#)
            try await lab.kubectl.succeed("patch", "backup", "nightly", "--type=merge", "-p", #"{"status":{"phase":"Lost"}}"#)
            let object = try await lab.kubectl.json("get", "backup", "nightly")
            #expect(object["status"]["phase"] == "Done")
            #expect(try await lab.kubectl.succeed("get", "backup", "nightly").contains("Done"))
        }
    }

    @Test("a watch on a custom resource sees it created")
    func watchCustomResource() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Self.backupCRD)
            try await lab.kubectl.watching("get", "backups", "--watch", "-o", "name") { stream in
                try await lab.kubectl.apply(Self.backup("hourly", target: "frigate-media"))
                try await stream.waitForOutput("the watch to print the new backup") { $0.contains("backup.lab.example.com/hourly") }
            }
        }
    }

    @Test("deleting a CRD deletes its objects, and its kind is no longer served (404)")
    func deleteCRD() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Self.backupCRD)
            try await lab.kubectl.apply(Self.backup("nightly", target: "frigate-media"))
            try await lab.kubectl.succeed("delete", "crd", "backups.lab.example.com")
            let kind = try #require(ResourceKind(definition: try JSON.parseYAMLDocuments(Self.backupCRD)[0]))
            #expect(await lab.lab.store.list(kind).isEmpty)
            try await LabHTTPS.using(try lab.https()) { https in
                let reply = try await https.get("/apis/lab.example.com/v1/namespaces/default/backups/nightly")
                #expect(reply.status == 404)
                #expect(reply.body["message"] == "the server could not find the requested resource", "\(reply.text)")
            }
            let groups = try JSON.parse(Data(try await lab.kubectl.succeed("get", "--raw", "/apis").utf8))
            #expect(!(groups["groups"].arrayValue ?? []).contains { $0["name"] == "lab.example.com" })

            // Created again, the CRD serves an empty kind: nothing of the old objects is left.
            try await lab.kubectl.apply(Self.backupCRD)
            let list = try await lab.kubectl.json("get", "backups")
            #expect(list["items"].arrayValue?.isEmpty == true, "\(list)")
        }
    }

    @Test("a CRD for a kind the lab has built in (Flux's, from gotk-components.yaml) is stored, and deleting it keeps that kind's objects")
    func builtInKindCRD() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply("""
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata:
                  name: apps
                spec:
                  interval: 10m
                  path: ./apps
                  prune: true
                  sourceRef: {kind: GitRepository, name: flux-system}
                """)
            try await lab.kubectl.apply("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: kustomizations.kustomize.toolkit.fluxcd.io
                spec:
                  group: kustomize.toolkit.fluxcd.io
                  scope: Namespaced
                  names: {kind: Kustomization, plural: kustomizations, shortNames: [ks]}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    subresources: {status: {}}
                """)
            try await lab.kubectl.succeed("delete", "crd", "kustomizations.kustomize.toolkit.fluxcd.io")
            #expect(try await lab.kubectl.succeed("get", "ks", "-o", "name") == "kustomization.kustomize.toolkit.fluxcd.io/apps\n")
        }
    }

    @Test("a CRD whose name is not PLURAL.GROUP is refused as the apiserver refuses it")
    func invalidCRD() async throws {
        try await LabFixture.with { lab in
            let manifest = Self.backupCRD.replacingOccurrences(of: "name: backups.lab.example.com", with: "name: backup.lab.example.com")
            let file = lab.kubectl.scratch.appendingPathComponent("bad-crd.yaml")
            try Data(manifest.utf8).write(to: file)
            let result = try await lab.kubectl.run("apply", "-f", file.path)
            #expect(!result.succeeded)
            #expect(result.stderr.contains(#"must be spec.names.plural+"."+spec.group"#), "\(result)")
        }
    }

    @Test("a fresh lab has the CRDs K3s installs (Traefik's, HelmChart) and Traefik's default IngressClass")
    func k3sDefaults() async throws {
        try await LabFixture.with { lab in
            let names = try await lab.kubectl.succeed("get", "crd", "-o", "name")
            for plural in ["ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps",
                           "serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices"] {
                #expect(names.contains("customresourcedefinition.apiextensions.k8s.io/\(plural).traefik.io\n"), "\(plural) in \(names)")
            }
            #expect(names.contains("helmcharts.helm.cattle.io"))
            #expect(names.contains("helmchartconfigs.helm.cattle.io"))
            let table = try await lab.kubectl.succeed("get", "crd")
            #expect(table.hasPrefix("NAME") && table.contains("CREATED AT"), "\(table)")

            try await lab.kubectl.apply("""
                apiVersion: traefik.io/v1alpha1
                kind: IngressRouteTCP
                metadata:
                  name: mqtt
                spec:
                  entryPoints: [mqtt]
                  routes:
                  - match: HostSNI(`*`)
                    services:
                    - name: mosquitto
                      port: 1883
                """)
            #expect(try await lab.kubectl.succeed("get", "ingressroutetcp", "-o", "name") == "ingressroutetcp.traefik.io/mqtt\n")
            let helm = try await lab.kubectl.run("get", "helmcharts", "-A")
            #expect(helm.succeeded && helm.stderr.contains("No resources found"), "\(helm)")

            let classes = try await lab.kubectl.succeed("get", "ingressclass")
            #expect(classes.contains("traefik") && classes.contains("traefik.io/ingress-controller"), "\(classes)")
        }
    }
}
