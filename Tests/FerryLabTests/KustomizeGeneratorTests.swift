import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The lab's kustomize: configMapGenerator and secretGenerator, their name suffix hash,
/// and the name references rewritten to the hashed names.
@Suite("Kustomize generators")
struct KustomizeGeneratorTests {
    /// Builds `path` of a temporary artifact holding `files`.
    private func build(_ files: [String: String], path: String = "app") throws -> [JSON] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kustomize-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        for (name, text) in files {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return try KustomizeBuild(root: root).build(path: path)
    }

    private func failure(_ files: [String: String]) -> String {
        do {
            _ = try build(files)
            return "built"
        } catch {
            return "\(error)"
        }
    }

    private func object(_ objects: [JSON], _ kind: String, prefix: String) -> JSON? {
        objects.first { $0["kind"].stringValue == kind && ($0["metadata"]["name"].stringValue ?? "").hasPrefix(prefix) }
    }

    /// Known values from kustomize's own tests: `api/hasher/hasher_test.go`
    /// (TestConfigMapHash "one key", "empty data", "one key with binary data";
    /// TestSecretHash "one key"), and kustomize's example `examples/issues/issue_1301`
    /// (ConfigMap `cafe-configmap` from the literal `FOO=BAR` is `cafe-configmap-bm6m88fk92`).
    @Test func theHashIsKustomizes() throws {
        #expect(KustomizeHasher.suffix(of: ["apiVersion": "v1", "kind": "ConfigMap", "data": ["one": ""]]) == "9g67k2htb6")
        #expect(KustomizeHasher.suffix(of: ["apiVersion": "v1", "kind": "ConfigMap"]) == "6ct58987ht")
        #expect(KustomizeHasher.suffix(of: ["apiVersion": "v1", "kind": "ConfigMap", "binaryData": ["one": ""]]) == "6mtk2m274t")
        #expect(KustomizeHasher.suffix(of: ["apiVersion": "v1", "kind": "Secret", "type": "my-type", "data": ["one": ""]]) == "74bd68bm66")
        let objects = try build([
            "app/kustomization.yaml": "configMapGenerator:\n  - name: cafe-configmap\n    literals:\n      - FOO=BAR\n",
        ])
        #expect(objects.map { $0["metadata"]["name"] } == ["cafe-configmap-bm6m88fk92"])
        #expect(objects.first?["data"] == ["FOO": "BAR"])
    }

    @Test func filesLiteralsAndEnvsMakeTheKeys() throws {
        let objects = try build([
            "app/kustomization.yaml": """
                namespace: media
                configMapGenerator:
                  - name: settings
                    files:
                      - config/app.yaml
                      - values.yaml=./helm-values.yaml
                    literals:
                      - LEVEL=debug
                      - QUOTED="a b"
                    envs:
                      - settings.env
                secretGenerator:
                  - name: credentials
                    namespace: other
                    literals:
                      - password=hunter2
                  - name: tls
                    type: kubernetes.io/tls
                    files:
                      - tls.crt=config/app.yaml

                """,
            "app/config/app.yaml": "mode: fast\n",
            "app/helm-values.yaml": "replicas: 2\n",
            "app/settings.env": "# a comment\n\nRETRIES=3\n  TIMEOUT=10s\n",
        ])
        let settings = try #require(object(objects, "ConfigMap", prefix: "settings-"))
        #expect(settings["data"] == [
            "app.yaml": "mode: fast\n", "values.yaml": "replicas: 2\n", "LEVEL": "debug", "QUOTED": "a b",
            "RETRIES": "3", "TIMEOUT": "10s",
        ])
        #expect(settings["metadata"]["namespace"] == "media")
        #expect(settings["metadata"]["name"] == .string("settings-\(KustomizeHasher.suffix(of: settings.with(name: "settings")))"))
        let credentials = try #require(object(objects, "Secret", prefix: "credentials-"))
        #expect(credentials["data"] == ["password": .string(Data("hunter2".utf8).base64EncodedString())])
        #expect(credentials["type"] == "Opaque")
        #expect(credentials["metadata"]["namespace"] == "media", "the kustomization's namespace applies to everything, as in kustomize")
        let tls = try #require(object(objects, "Secret", prefix: "tls-"))
        #expect(tls["type"] == "kubernetes.io/tls")
    }

    @Test func optionsAndGeneratorOptions() throws {
        let objects = try build([
            "app/kustomization.yaml": """
                generatorOptions:
                  labels: {team: home, tier: global}
                  annotations: {note: global}
                configMapGenerator:
                  - name: plain
                    literals: [a=1]
                    options:
                      disableNameSuffixHash: true
                      labels: {tier: local}
                  - name: hashed
                    literals: [a=1]

                """,
        ])
        let plain = try #require(object(objects, "ConfigMap", prefix: "plain"))
        #expect(plain["metadata"]["name"] == "plain")
        #expect(plain["metadata"]["labels"] == ["team": "home", "tier": "local"], "a local label wins, as in kustomize")
        #expect(plain["metadata"]["annotations"] == ["note": "global"])
        let hashed = try #require(object(objects, "ConfigMap", prefix: "hashed-"))
        #expect(hashed["metadata"]["name"].stringValue?.count == "hashed-".count + 10)
    }

    @Test func referencesInPodTemplatesAndConfigurationsGetTheHashedName() throws {
        let objects = try build([
            "app/kustomization.yaml": """
                namespace: frigate
                resources: [deployment.yaml, helmrelease.yaml]
                configMapGenerator:
                  - name: frigate-values
                    files: [values.yaml=./helm-values.yaml]
                secretGenerator:
                  - name: credentials
                    literals: [password=x]
                configurations: [./kustomizeconfig.yaml]

                """,
            "app/kustomizeconfig.yaml": """
                nameReference:
                  - kind: ConfigMap
                    version: v1
                    fieldSpecs:
                      - path: spec/valuesFrom/name
                        kind: HelmRelease

                """,
            "app/helm-values.yaml": "config: {}\n",
            "app/deployment.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  template:
                    spec:
                      containers:
                        - name: web
                          envFrom: [{secretRef: {name: credentials}}]
                      volumes:
                        - name: values
                          configMap: {name: frigate-values}
                        - name: other
                          configMap: {name: not-generated}

                """,
            "app/helmrelease.yaml": """
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: frigate}
                spec:
                  valuesFrom:
                    - kind: ConfigMap
                      name: frigate-values
                      valuesKey: values.yaml

                """,
        ])
        let values = try #require(object(objects, "ConfigMap", prefix: "frigate-values-"))["metadata"]["name"]
        let credentials = try #require(object(objects, "Secret", prefix: "credentials-"))["metadata"]["name"]
        #expect(Array(objects.prefix(2).map { $0["kind"] }) == ["ConfigMap", "Secret"], "generated objects come first")
        let deployment = try #require(objects.first { $0["kind"] == "Deployment" })
        let pod = deployment["spec"]["template"]["spec"]
        #expect(pod["volumes"].arrayValue?.map { $0["configMap"]["name"] } == [values, "not-generated"])
        #expect(pod["containers"].arrayValue?.first?["envFrom"].arrayValue?.first?["secretRef"]["name"] == credentials)
        let release = try #require(objects.first { $0["kind"] == "HelmRelease" })
        #expect(release["spec"]["valuesFrom"].arrayValue?.first?["name"] == values)
    }

    @Test func aReferenceInAnotherNamespaceIsLeftAlone() throws {
        let objects = try build([
            "app/kustomization.yaml": "resources: [pod.yaml]\nconfigMapGenerator:\n  - name: cfg\n    namespace: a\n    literals: [x=1]\n",
            "app/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: b}\nspec:\n  volumes: [{name: v, configMap: {name: cfg}}]\n",
        ])
        #expect(objects.first { $0["kind"] == "Pod" }?["spec"]["volumes"].arrayValue?.first?["configMap"]["name"] == "cfg")
    }

    @Test func whatTheLabDoesNotModelFailsTheBuildNamingIt() {
        let merge = failure(["app/kustomization.yaml": "configMapGenerator:\n  - name: a\n    behavior: merge\n    literals: [x=1]\n"])
        #expect(merge.contains("behavior 'merge' is not supported"), "\(merge)")
        let unknown = failure([
            "app/kustomization.yaml": "configurations: [cfg.yaml]\n",
            "app/cfg.yaml": "varReference:\n  - path: spec/x\n",
        ])
        #expect(unknown.contains("app/cfg.yaml") && unknown.contains("not varReference"), "\(unknown)")
        let outside = failure(["app/kustomization.yaml": "configMapGenerator:\n  - name: a\n    files: [../../etc/passwd]\n"])
        #expect(outside.contains("'../../etc/passwd' is outside the source artifact"), "\(outside)")
        let missing = failure(["app/kustomization.yaml": "configMapGenerator:\n  - name: a\n    files: [values.yaml=./helm-values.yaml]\n"])
        #expect(missing.contains("file './helm-values.yaml' not found (app/helm-values.yaml)"), "\(missing)")
        let patches = failure(["app/kustomization.yaml": "patches: []\nimages: []\n"])
        #expect(patches.contains("not images, patches"), "\(patches)")
        let option = failure(["app/kustomization.yaml": "generatorOptions: {valueMerge: yaml}\n"])
        #expect(option.contains("'valueMerge' is not supported"), "\(option)")
    }

    @Test func aMissingFileIsABuildFailure() throws {
        do {
            _ = try build(["app/kustomization.yaml": "secretGenerator:\n  - name: a\n    envs: [secret.env]\n"])
            Issue.record("built")
        } catch {
            let failure = try #require(error as? KustomizeBuild.Failure)
            #expect(failure.reason == "BuildFailed")
            #expect(failure.description.contains("secretGenerator[0] (a): file 'secret.env' not found"), "\(failure.description)")
        }
    }
}

extension JSON {
    fileprivate func with(name: String) -> JSON {
        var copy = self
        copy[path: ["metadata", "name"]] = .string(name)
        return copy
    }
}
