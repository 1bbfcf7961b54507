import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The lab's helm-controller against a real Git repository: a chart at a
/// GitRepository path, rendered with the release's values and applied through the
/// apiserver's admission, with Flux's status and Helm's marks on every object.
@Suite("HelmRelease")
struct HelmReleaseTests {
    @Test func installsTheChartWithHelmsMarksAndFluxStatus() async throws {
        try await HelmFixture.with { helm in
            let release = try await helm.released()
            #expect(release["status"]["observedGeneration"] == 1)
            #expect(release["status"]["lastAttemptedGeneration"] == 1)
            #expect(release["status"]["lastAttemptedRevision"] == "1.0.0")
            #expect(release["status"]["lastAttemptedReleaseAction"] == "install")
            let ready = try #require(release.condition(type: "Ready"))
            #expect(ready["reason"] == "InstallSucceeded")
            #expect(ready["message"] == "Helm install succeeded for release media/web.v1 with chart web@1.0.0")
            #expect(release.condition(type: "Released")?["status"] == "True")
            let history = release["status"]["history"].arrayValue ?? []
            #expect(history.count == 1)
            #expect(history.first?["version"] == 1)
            #expect(history.first?["status"] == "deployed")
            #expect(history.first?["chartName"] == "web")
            #expect(history.first?["appVersion"] == "1.36")
            #expect(history.first?["configDigest"] == release["status"]["lastAttemptedConfigDigest"])
            #expect(history.first?["digest"].stringValue?.hasPrefix("sha256:") == true)

            let deployment = try #require(await helm.find(ResourceCatalog.deployments, "media", "web"))
            #expect(deployment.labels["helm.toolkit.fluxcd.io/name"] == "web")
            #expect(deployment.labels["helm.toolkit.fluxcd.io/namespace"] == "media")
            #expect(deployment.labels["app.kubernetes.io/managed-by"] == "Helm")
            #expect(deployment.annotations["meta.helm.sh/release-name"] == "web")
            #expect(deployment.annotations["meta.helm.sh/release-namespace"] == "media")
            #expect(deployment["spec"]["template"]["spec"]["containers"].arrayValue?.first?["image"] == "busybox:1.36")
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-config")?["data"]["mode"] == "cpu")
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-extra") == nil)

            let table = try await helm.lab.kubectl.succeed("get", "hr", "-A")
            #expect(table.contains("NAMESPACE"), "\(table)")
            #expect(table.contains("Helm install succeeded for release media/web.v1 with chart web@1.0.0"), "\(table)")
            #expect(table.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["NAMESPACE", "NAME", "AGE", "READY", "STATUS"])
            let yaml = try await helm.lab.kubectl.succeed("get", "hr", "web", "-n", "media", "-o", "yaml")
            #expect(yaml.contains("kind: HelmRelease") && yaml.contains("chart: ./charts/web"), "\(yaml)")
        }
    }

    @Test func valuesComeFromAConfigMapAndASecretThenSpecValues() async throws {
        let release = HelmFixture.release([
            "valuesFrom": [
                ["kind": "ConfigMap", "name": "web-values"],
                ["kind": "Secret", "name": "web-secret-values", "valuesKey": "extra.yaml"],
                ["kind": "ConfigMap", "name": "not-there", "optional": true],
            ],
            "values": ["replicas": 2],
        ])
        try await HelmFixture.with(release: nil) { helm in
            try await helm.lab.lab.create([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "web-values", "namespace": "media"],
                "data": ["values.yaml": "mode: tpu\nreplicas: 5\n"],
            ])
            try await helm.lab.lab.create(release)
            let missing = try await helm.release("fails without the Secret") { $0.condition(type: "Ready")?["status"] == "False" }
            #expect(missing.condition(type: "Ready")?["reason"] == "ValuesError")
            #expect(missing.condition(type: "Ready")?["message"]
                == "could not resolve Secret chart values reference 'media/web-secret-values' with key 'extra.yaml': secrets \"web-secret-values\" not found")
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web") == nil, "nothing released")

            try await helm.lab.lab.create([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "web-secret-values", "namespace": "media"],
                "data": ["extra.yaml": .string(Data("extra: true\n".utf8).base64EncodedString())],
            ])
            try await helm.requestReconcile()
            try await helm.released()
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-config")?["data"]["mode"] == "tpu", "from the ConfigMap")
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-extra") != nil, "from the Secret")
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web")?["spec"]["replicas"] == 2, "spec.values win")
        }
    }

    @Test func aValuesChangeUpgradesSupersedingTheFirstReleaseAndDropsWhatItNoLongerRenders() async throws {
        try await HelmFixture.with(release: HelmFixture.release(["values": ["extra": true]])) { helm in
            let first = try await helm.released()
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-extra") != nil)
            let before = try #require(await helm.find(ResourceCatalog.deployments, "media", "web"))
            try await helm.lab.kubectl.succeed(
                "patch", "hr", "web", "-n", "media", "--type", "merge", "-p", #"{"spec":{"values":{"extra":false,"mode":"gpu"}}}"#)
            let upgraded = try await helm.released()
            #expect(upgraded["status"]["observedGeneration"] == 2)
            #expect(upgraded.condition(type: "Ready")?["reason"] == "UpgradeSucceeded")
            #expect(upgraded.condition(type: "Ready")?["message"] == "Helm upgrade succeeded for release media/web.v2 with chart web@1.0.0")
            #expect(upgraded["status"]["lastAttemptedConfigDigest"] != first["status"]["lastAttemptedConfigDigest"])
            let history = upgraded["status"]["history"].arrayValue ?? []
            #expect(history.map { $0["version"] } == [2, 1])
            #expect(history.map { $0["status"] } == ["deployed", "superseded"])
            #expect(history.last?["firstDeployed"] == history.first?["firstDeployed"])
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-config")?["data"]["mode"] == "gpu")
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-extra") == nil, "deleted as helm upgrade deletes it")
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web")?.uid == before.uid, "updated in place")

            // Nothing changed: a reconcile releases nothing.
            let again = try await helm.requestReconcile()
            #expect(again["status"]["history"].arrayValue?.count == 2)

            // The chart's files changed in Git: an upgrade, with the new template.
            var chart = HelmFixture.chart["charts/web/templates/config.yaml"]!
            chart = chart.replacingOccurrences(of: "  mode: {{ .Values.mode | quote }}", with: "  mode: {{ .Values.mode | quote }}\n  owner: helm")
            let (sha, _) = try await helm.flux.pushAndRequest(["charts/web/templates/config.yaml": chart], message: "web: say who owns the config")
            try await helm.flux.object(ResourceCatalog.gitRepositories, "flux-system", "gitops", "fetches") {
                $0["status"]["artifact"]["revision"] == .string("main@sha1:\(sha)")
            }
            let third = try await helm.release("upgrades to v3 on the chart change") {
                $0["status"]["history"].arrayValue?.first?["version"] == 3 && $0.isReady
            }
            #expect(third["status"]["history"].arrayValue?.map { $0["status"] } == ["deployed", "superseded", "superseded"])
            #expect(await helm.find(ResourceCatalog.configMaps, "media", "web-config")?["data"]["owner"] == "helm")
        }
    }

    @Test func driftDetectionRevertsAScaleUnlessTheReleaseIsSuspended() async throws {
        try await HelmFixture.with(release: HelmFixture.release(["driftDetection": ["mode": "enabled"]])) { helm in
            try await helm.released()
            try await helm.lab.kubectl.succeed("scale", "-n", "media", "deployment/web", "--replicas=0")
            try await helm.flux.object(ResourceCatalog.deployments, "media", "web", "scaled back to the chart's 1") {
                $0["spec"]["replicas"] == 1
            }

            try await helm.lab.kubectl.succeed("patch", "hr", "web", "-n", "media", "--type", "merge", "-p", #"{"spec":{"suspend":true}}"#)
            try await helm.barrier()
            try await helm.lab.kubectl.succeed("scale", "-n", "media", "deployment/web", "--replicas=0")
            try await helm.lab.kubectl.succeed(
                "annotate", "--overwrite", "-n", "media", "hr/web", "\(FluxStatus.requestedAtAnnotation)=while-suspended")
            try await helm.barrier()
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web")?["spec"]["replicas"] == 0, "a suspended release reverts nothing")
            #expect(await helm.find(ResourceCatalog.helmReleases, "media", "web")?["status"]["lastHandledReconcileAt"] != "while-suspended")

            try await helm.lab.kubectl.succeed("patch", "hr", "web", "-n", "media", "--type", "merge", "-p", #"{"spec":{"suspend":false}}"#)
            try await helm.flux.object(ResourceCatalog.deployments, "media", "web", "reverted once resumed") { $0["spec"]["replicas"] == 1 }
        }
    }

    @Test func withoutDriftDetectionAReconcileLeavesAnEditInTheCluster() async throws {
        try await HelmFixture.with { helm in
            try await helm.released()
            try await helm.lab.kubectl.succeed("scale", "-n", "media", "deployment/web", "--replicas=0")
            try await helm.requestReconcile()
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web")?["spec"]["replicas"] == 0)
        }
    }

    @Test func aChartUsingIncludeFailsTheReleaseNamingTheFunctionFileAndLine() async throws {
        let files: [String: String?] = [
            "charts/web/templates/_helpers.tpl": #"{{ define "web.fullname" }}{{ .Release.Name }}{{ end }}"#,
            "charts/web/templates/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n",
        ]
        try await HelmFixture.with(files: files) { helm in
            let failed = try await helm.release("fails") { $0.condition(type: "Ready")?["status"] == "False" }
            let ready = try #require(failed.condition(type: "Ready"))
            #expect(ready["reason"] == "InstallFailed")
            #expect(ready["message"] == .string(
                "Helm install failed for release media/web with chart web@1.0.0: templates/config.yaml:4: "
                    + #"function "include" is not in the lab's Helm subset (docs/LAB.md: the helm-controller)"#))
            #expect(failed.condition(type: "Released")?["status"] == "False")
            #expect(failed["status"]["observedGeneration"] == 1, "the generation is handled, unsuccessfully")
            #expect(await helm.find(ResourceCatalog.deployments, "media", "web") == nil, "nothing applied")
        }
    }

    @Test func aChartFromAHelmRepositoryOrByNameIsAnArtifactFailure() async throws {
        try await HelmFixture.with(release: nil) { helm in
            try await helm.lab.lab.create(HelmFixture.release(name: "repo", [
                "chart": ["spec": ["chart": "frigate", "sourceRef": ["kind": "HelmRepository", "name": "blakeblackshear"]]],
            ]))
            try await helm.lab.lab.create(HelmFixture.release(name: "named", ["chart": ["spec": ["chart": "web"]]]))
            for name in ["repo", "named"] {
                let failed = try await helm.release("fails", name: name) { $0.condition(type: "Ready")?["status"] == "False" }
                #expect(failed.condition(type: "Ready")?["reason"] == "ArtifactFailed")
                #expect(failed.condition(type: "Ready")?["message"].stringValue?
                    .hasPrefix("the lab serves charts from GitRepository paths only") == true)
            }
        }
    }
}
