import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// Flux in the lab against a real bare Git repository: GitRepository fetches with
/// `git`, Kustomization applies through the apiserver's admission.
@Suite("Flux")
struct FluxTests {
    @Test func appliesTheManifestsOfAPathWithFluxLabelsAndStatus() async throws {
        try await FluxFixture.with { flux in
            let head = try await flux.git.head()
            let revision = "main@sha1:\(head)"
            let source = try #require(await flux.find(ResourceCatalog.gitRepositories, "flux-system", "gitops"))
            #expect(source["status"]["artifact"]["revision"] == .string(revision))
            #expect(source.condition(type: "Ready")?["reason"] == "Succeeded")
            #expect(source.condition(type: "Ready")?["message"] == .string("stored artifact for revision '\(revision)'"))
            #expect(source["status"]["observedGeneration"] == 1)

            let kustomization = try #require(await flux.find(ResourceCatalog.kustomizations, "flux-system", "demo"))
            #expect(kustomization.condition(type: "Ready")?["reason"] == "ReconciliationSucceeded")
            #expect(kustomization.condition(type: "Ready")?["message"] == .string("Applied revision: \(revision)"))
            #expect(kustomization["status"]["lastAttemptedRevision"] == .string(revision))
            #expect(kustomization["status"]["observedGeneration"] == 1)
            let inventory = (kustomization["status"]["inventory"]["entries"].arrayValue ?? []).compactMap { $0["id"].stringValue }
            #expect(inventory == ["_demo__Namespace", "demo_web-config__ConfigMap", "demo_web-extra__ConfigMap", "demo_web_apps_Deployment"])

            let deployment = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            #expect(deployment.labels[FluxStatus.nameLabel] == "demo")
            #expect(deployment.labels[FluxStatus.namespaceLabel] == "flux-system")
            #expect(deployment["spec"]["strategy"]["type"] == "RollingUpdate", "the apiserver's defaults are there")
            let config = try #require(await flux.find(ResourceCatalog.configMaps, "demo", "web-config"))
            #expect(config["data"]["mode"] == "cpu")
            let extra = try #require(await flux.find(ResourceCatalog.configMaps, "demo", "web-extra"))
            #expect(extra["data"]["retries"] == "3", "the second document of a file is applied too")
            let running = await flux.lab.lab.waitUntil(ResourceCatalog.pods, namespace: "demo", timeout: .seconds(20)) { pods in
                let web = pods.filter { $0.labels["app"] == "web" && $0.isPodReady }
                return web.count == 1 ? web[0] : nil
            }
            #expect(running != nil, "the Deployment's pod runs")
        }
    }

    @Test func aPushedCommitIsAppliedAfterARequestedReconcile() async throws {
        try await FluxFixture.with { flux in
            let before = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            let (sha, token) = try await flux.pushAndRequest(
                ["apps/demo/config.yaml": FluxFixture.config(mode: "tpu"),
                 "apps/demo/deployment.yaml": FluxFixture.deployment(replicas: 2, app: "web")],
                message: "demo: use the TPU")
            #expect(try await flux.git.publishedHead() == sha)
            let applied = try await flux.kustomization("applies the pushed commit and answers the request") {
                $0["status"]["lastHandledReconcileAt"] == .string(token)
                    && $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(sha)") && $0.isReady
            }
            #expect(applied.condition(type: "Ready")?["message"] == .string("Applied revision: main@sha1:\(sha)"))
            let source = try await flux.object(ResourceCatalog.gitRepositories, "flux-system", "gitops", "answers too") {
                $0["status"]["lastHandledReconcileAt"] == .string(token)
            }
            #expect(source["status"]["artifact"]["revision"] == .string("main@sha1:\(sha)"))
            let config = try #require(await flux.find(ResourceCatalog.configMaps, "demo", "web-config"))
            #expect(config["data"]["mode"] == "tpu")
            let deployment = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            #expect(deployment["spec"]["replicas"] == 2)
            #expect(deployment.uid == before.uid, "updated in place, not re-created")
        }
    }

    @Test func aManualScaleIsRevertedUnlessTheKustomizationIsSuspended() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.kubectl.succeed("scale", "-n", "demo", "deployment/web", "--replicas=0")
            try await flux.object(ResourceCatalog.deployments, "demo", "web", "scaled back to Git's 1 replica") {
                $0["spec"]["replicas"] == 1
            }

            try await flux.lab.kubectl.succeed(
                "patch", "-n", "flux-system", "kustomization/demo", "--type=merge", "-p", #"{"spec":{"suspend":true}}"#)
            try await barrier(flux)
            try await flux.lab.kubectl.succeed("scale", "-n", "demo", "deployment/web", "--replicas=0")
            try await flux.lab.kubectl.succeed(
                "annotate", "--overwrite", "-n", "flux-system", "kustomization/demo",
                "\(FluxStatus.requestedAtAnnotation)=while-suspended")
            try await barrier(flux)
            let kept = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            #expect(kept["spec"]["replicas"] == 0, "a suspended Kustomization reverts nothing")
            let suspended = try #require(await flux.find(ResourceCatalog.kustomizations, "flux-system", "demo"))
            #expect(suspended["status"]["lastHandledReconcileAt"] != "while-suspended", "nor answers requests")

            try await flux.lab.kubectl.succeed(
                "patch", "-n", "flux-system", "kustomization/demo", "--type=merge", "-p", #"{"spec":{"suspend":false}}"#)
            try await flux.object(ResourceCatalog.deployments, "demo", "web", "reverted once resumed") {
                $0["spec"]["replicas"] == 1
            }
        }
    }

    /// `kustomize.toolkit.fluxcd.io/reconcile: disabled` on the object in the cluster:
    /// Flux neither reverts it nor applies Git's change to it, nor prunes it, while it
    /// applies everything else; once the mark is gone, Git wins again.
    @Test func anObjectMarkedReconcileDisabledIsLeftAloneWhileTheRestIsApplied() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.kubectl.succeed(
                "annotate", "-n", "demo", "deployment/web", "\(FluxStatus.reconcileKey)=disabled")
            try await flux.lab.kubectl.succeed("scale", "-n", "demo", "deployment/web", "--replicas=0")
            let (sha, _) = try await flux.pushAndRequest(
                ["apps/demo/deployment.yaml": FluxFixture.deployment(replicas: 2, app: "web"),
                 "apps/demo/config.yaml": FluxFixture.config(mode: "gpu")],
                message: "demo: two replicas on the GPU")
            try await flux.kustomization("applies the commit") { $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(sha)") }
            #expect(await flux.find(ResourceCatalog.configMaps, "demo", "web-config")?["data"]["mode"] == "gpu", "the rest is applied")
            let kept = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            #expect(kept["spec"]["replicas"] == 0, "the marked Deployment keeps its live value")
            let inventory = try #require(await flux.find(ResourceCatalog.kustomizations, "flux-system", "demo"))["status"]["inventory"]["entries"]
            #expect(inventory.arrayValue?.contains { $0["id"] == "demo_web_apps_Deployment" } == true, "it stays in the inventory")

            try await flux.lab.kubectl.succeed("annotate", "-n", "demo", "deployment/web", "\(FluxStatus.reconcileKey)-")
            _ = try await flux.pushAndRequest(["README.md": "marks gone\n"], message: "touch")
            try await flux.object(ResourceCatalog.deployments, "demo", "web", "Git's two replicas once unmarked") { $0["spec"]["replicas"] == 2 }
        }
    }

    /// A SOPS-encrypted Secret never reaches the cluster as ciphertext: without
    /// `spec.decryption` the apiserver refuses its `sops` field; with it, the lab has no
    /// keys and fails the decryption, as Flux fails without them.
    @Test func aSOPSEncryptedSecretFailsTheReconcileInsteadOfBeingStoredEncrypted() async throws {
        try await FluxFixture.with { flux in
            let secret = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: mqtt
                  namespace: demo
                stringData:
                  password: ENC[AES256_GCM,data:cGFzcw==,iv:aXY=,tag:dGFn,type:str]
                sops:
                  age:
                    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq
                  lastmodified: "2026-11-30T10:00:00Z"
                  version: 3.9.1

                """
            _ = try await flux.pushAndRequest(
                ["apps/demo/kustomization.yaml": FluxFixture.kustomization(resources: ["namespace.yaml", "deployment.yaml", "config.yaml", "secret.yaml"]),
                 "apps/demo/secret.yaml": secret],
                message: "demo: the broker's password")
            let failed = try await flux.kustomization("fails on the encrypted Secret") {
                $0.condition(type: "Ready")?["status"] == "False"
            }
            #expect(failed.condition(type: "Ready")?["message"].stringValue?.contains(".sops: field not declared in schema") == true)
            #expect(await flux.find(ResourceCatalog.secrets, "demo", "mqtt") == nil, "no ciphertext in the cluster")

            try await flux.lab.kubectl.succeed(
                "patch", "-n", "flux-system", "kustomization/demo", "--type=merge",
                "-p", #"{"spec":{"decryption":{"provider":"sops","secretRef":{"name":"sops-age"}}}}"#)
            let undecrypted = try await flux.kustomization("cannot decrypt") {
                $0.condition(type: "Ready")?["reason"] == "DecryptionFailed"
            }
            #expect(undecrypted.condition(type: "Ready")?["message"].stringValue?.contains("Secret/demo/mqtt decryption failed") == true)
            #expect(await flux.find(ResourceCatalog.secrets, "demo", "mqtt") == nil)
        }
    }

    @Test func pruneDeletesWhatLeftGitAndOnlyThat() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.lab.create([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "hand-made", "namespace": "demo"],
                "data": ["owner": "a person"],
            ])
            let (sha, _) = try await flux.pushAndRequest(
                ["apps/demo/kustomization.yaml": FluxFixture.kustomization(resources: ["deployment.yaml", "namespace.yaml"]),
                 "apps/demo/config.yaml": nil],
                message: "demo: drop the config")
            try await flux.kustomization("applies the commit without the ConfigMaps") {
                $0["status"]["lastAppliedRevision"] == .string("main@sha1:\(sha)")
            }
            #expect(await flux.find(ResourceCatalog.configMaps, "demo", "web-config") == nil)
            #expect(await flux.find(ResourceCatalog.configMaps, "demo", "web-extra") == nil)
            #expect(await flux.find(ResourceCatalog.configMaps, "demo", "hand-made") != nil, "not Flux's to prune")
            #expect(await flux.find(ResourceCatalog.deployments, "demo", "web") != nil)
        }
    }

    @Test func anObjectDeletedInTheClusterIsRecreated() async throws {
        try await FluxFixture.with { flux in
            let before = try #require(await flux.find(ResourceCatalog.configMaps, "demo", "web-config"))
            try await flux.lab.kubectl.succeed("delete", "-n", "demo", "configmap/web-config")
            let after = try await flux.object(ResourceCatalog.configMaps, "demo", "web-config", "re-created at the next interval") {
                $0.uid != before.uid
            }
            #expect(after["data"]["mode"] == "cpu")
        }
    }

    @Test func anImmutableFieldChangeFailsWithTheApiserversMessage() async throws {
        try await FluxFixture.with { flux in
            let applied = try await flux.git.head()
            let (sha, _) = try await flux.pushAndRequest(
                ["apps/demo/deployment.yaml": FluxFixture.deployment(replicas: 1, app: "web-v2")],
                message: "demo: new selector")
            let failed = try await flux.kustomization("fails on the selector") {
                $0["status"]["lastAttemptedRevision"] == .string("main@sha1:\(sha)")
                    && $0.condition(type: "Ready")?["status"] == "False"
            }
            let ready = try #require(failed.condition(type: "Ready"))
            #expect(ready["reason"] == "ReconciliationFailed")
            let message = ready["message"].stringValue ?? ""
            #expect(message.hasPrefix(#"Deployment/demo/web dry-run failed (Invalid): Deployment.apps "web" is invalid: spec.selector: Invalid value: "#))
            #expect(message.hasSuffix("field is immutable"))
            #expect(failed["status"]["lastAppliedRevision"] == .string("main@sha1:\(applied)"))
            let deployment = try #require(await flux.find(ResourceCatalog.deployments, "demo", "web"))
            #expect(deployment["spec"]["selector"]["matchLabels"]["app"] == "web")
        }
    }

    @Test func aMissingBranchOrRepositoryIsAGitOperationFailure() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.lab.create(FluxFixture.gitRepository(name: "no-branch", url: flux.git.url, branch: "nope"))
            let missing = flux.lab.directory.appendingPathComponent("nowhere.git").path
            try await flux.lab.lab.create(FluxFixture.gitRepository(name: "no-repo", url: "file://\(missing)", branch: "main"))
            let noBranch = try await flux.object(ResourceCatalog.gitRepositories, "flux-system", "no-branch", "fails") {
                $0.condition(type: "Ready")?["status"] == "False"
            }
            #expect(noBranch.condition(type: "Ready")?["reason"] == "GitOperationFailed")
            #expect(noBranch.condition(type: "Ready")?["message"] == .string(
                "failed to checkout and determine revision: unable to clone '\(flux.git.url)': couldn't find remote ref \"refs/heads/nope\""))
            #expect(noBranch.condition(type: "FetchFailed")?["status"] == "True")
            #expect(noBranch["status"]["artifact"] == .null)
            let noRepo = try await flux.object(ResourceCatalog.gitRepositories, "flux-system", "no-repo", "fails") {
                $0.condition(type: "Ready")?["status"] == "False"
            }
            #expect(noRepo.condition(type: "Ready")?["message"] == .string(
                "failed to checkout and determine revision: unable to clone 'file://\(missing)': repository not found"))
        }
    }

    @Test func thePushRejectedFaultRefusesPushesUntilLifted() async throws {
        try await FluxFixture.with { flux in
            try flux.git.setPushRejected("branch main is protected: open a merge request")
            #expect(flux.git.pushRejected)
            try flux.git.write(["apps/demo/config.yaml": FluxFixture.config(mode: "gpu")])
            let sha = try await flux.git.commitAll("demo: use the GPU")
            let error = await #expect(throws: LabError.self) { try await flux.git.push() }
            let text = error?.description ?? ""
            #expect(text.contains("remote: branch main is protected: open a merge request"))
            #expect(text.contains("pre-receive hook declined"))
            #expect(try await flux.git.publishedHead() != sha)

            try flux.git.setPushRejected(nil)
            #expect(!flux.git.pushRejected)
            try await flux.git.push()
            #expect(try await flux.git.publishedHead() == sha)
        }
    }

    @Test func aSourceWithoutArtifactOrAMissingPathIsAnArtifactFailure() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.lab.create([
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": ["name": "elsewhere", "namespace": "flux-system"],
                "spec": ["interval": "1m", "path": "./apps/missing", "prune": true,
                         "sourceRef": ["kind": "GitRepository", "name": "gitops"]],
            ])
            let failed = try await flux.object(ResourceCatalog.kustomizations, "flux-system", "elsewhere", "fails") {
                $0.condition(type: "Ready")?["status"] == "False"
            }
            #expect(failed.condition(type: "Ready")?["reason"] == "ArtifactFailed")
            #expect(failed.condition(type: "Ready")?["message"].stringValue?.hasPrefix("kustomization path not found: stat ") == true)
        }
    }

    @Test func aPathWithoutKustomizationYAMLTakesEveryManifestIntoTheTargetNamespace() async throws {
        try await FluxFixture.with { flux in
            try await flux.lab.lab.create([
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": ["name": "plain", "namespace": "flux-system"],
                "spec": ["interval": "1m", "path": "apps/plain", "prune": true, "targetNamespace": "demo",
                         "sourceRef": ["kind": "GitRepository", "name": "gitops", "namespace": "flux-system"]],
            ])
            try await flux.object(ResourceCatalog.kustomizations, "flux-system", "plain", "applied") { $0.isReady }
            let settings = try #require(await flux.find(ResourceCatalog.configMaps, "demo", "settings"))
            #expect(settings["data"]["level"] == "debug")
            #expect(settings.labels[FluxStatus.nameLabel] == "plain")
            #expect(await flux.find(ResourceCatalog.configMaps, "default", "settings") == nil)
        }
    }

    /// A round of the Flux controller has run since the caller's last change: a fresh
    /// Kustomization sorting after `demo` has been reconciled.
    private func barrier(_ flux: FluxFixture) async throws {
        let name = "zz-barrier-\(UUID().uuidString.prefix(6).lowercased())"
        try await flux.lab.lab.create([
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": ["name": .string(name), "namespace": "flux-system"],
            "spec": ["interval": "1m", "path": "./apps/none", "prune": false,
                     "sourceRef": ["kind": "GitRepository", "name": "gitops"]],
        ])
        try await flux.object(ResourceCatalog.kustomizations, "flux-system", name, "reconciled") {
            $0["status"]["observedGeneration"] == 1
        }
    }
}

/// The pure parts: Go durations and the three-way merge.
@Suite("Flux values")
struct FluxValueTests {
    @Test func goDurationsParseAndScale() {
        #expect(FluxDuration.parse("10m0s") == .seconds(600))
        #expect(FluxDuration.parse("1h30m") == .seconds(5400))
        #expect(FluxDuration.parse("500ms") == .milliseconds(500))
        #expect(FluxDuration.parse("ten minutes") == nil)
        #expect(FluxDuration.labInterval("10m", scale: 1.0 / 300) == .seconds(2))
        #expect(FluxDuration.labInterval(nil, scale: 1.0 / 300) == .seconds(2), "Flux's default is 10m")
        #expect(FluxDuration.labInterval("1s", scale: 1.0 / 300) == .milliseconds(100), "never a busy loop")
    }

    @Test func gitWinsLiveKeepsTheRestAndDroppedFieldsGo() {
        let live: JSON = [
            "spec": ["replicas": 0, "strategy": ["type": "RollingUpdate"],
                     "template": ["spec": ["runtimeClassName": "nvidia", "containers": [["name": "a", "image": "x:1", "imagePullPolicy": "IfNotPresent"]]]]],
            "status": ["replicas": 1],
        ]
        let last: JSON = ["spec": ["replicas": 1, "template": ["spec": ["runtimeClassName": "nvidia", "containers": [["name": "a", "image": "x:1"]]]]]]
        let desired: JSON = ["spec": ["replicas": 1, "template": ["spec": ["containers": [["name": "a", "image": "x:2"]]]]]]
        let merged = FluxApplier.merge(live: live, last: last, desired: desired)
        #expect(merged["spec"]["replicas"] == 1)
        #expect(merged["spec"]["strategy"]["type"] == "RollingUpdate")
        #expect(merged["status"]["replicas"] == 1)
        #expect(merged["spec"]["template"]["spec"]["runtimeClassName"] == .null, "removed from Git, removed live")
        #expect(merged["spec"]["template"]["spec"]["containers"] == [["name": "a", "image": "x:2"]], "lists are replaced")
    }
}
