import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// What the apiserver rewrites in what it is given: a Secret's `stringData` becomes
/// `data`, and resource quantities come back as strings.
@Suite("stringData and quantities as the apiserver stores them")
struct SerializationTests {
    static func base64(_ text: String) -> JSON { .string(Data(text.utf8).base64EncodedString()) }

    @Test("stringData is merged into data on create, apply, replace and patch, and never stored or returned")
    func stringData() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: mqtt
                data:
                  user: \(Data("frigate".utf8).base64EncodedString())
                stringData:
                  password: hunter2
                """)
            var secret = try await lab.kubectl.json("get", "secret", "mqtt")
            #expect(secret["stringData"] == .null)
            #expect(secret["data"]["password"] == Self.base64("hunter2"))
            #expect(secret["data"]["user"] == Self.base64("frigate"))

            // stringData wins over data for the same key, on update as on create.
            try await lab.kubectl.apply("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: mqtt
                data:
                  user: \(Data("frigate".utf8).base64EncodedString())
                  password: \(Data("old".utf8).base64EncodedString())
                stringData:
                  password: correct-horse
                """)
            secret = try await lab.kubectl.json("get", "secret", "mqtt")
            #expect(secret["stringData"] == .null)
            #expect(secret["data"]["password"] == Self.base64("correct-horse"))

            try await lab.kubectl.succeed("patch", "secret", "mqtt", "--type=merge", "-p", #"{"stringData":{"token":"t0k"}}"#)
            secret = try await lab.kubectl.json("get", "secret", "mqtt")
            #expect(secret["stringData"] == .null)
            #expect(secret["data"]["token"] == Self.base64("t0k"))
            #expect(secret["data"]["password"] == Self.base64("correct-horse"))
            let stored = try await lab.lab.store.get(ObjectKey(ResourceCatalog.secrets, namespace: "default", name: "mqtt"))
            #expect(stored["stringData"] == .null)
        }
    }

    @Test("numbers in resources come back as quantity strings: pods, Deployment templates, claims, PVs")
    func quantities() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: frigate
                spec:
                  selector:
                    matchLabels: {app: frigate}
                  template:
                    metadata:
                      labels: {app: frigate}
                    spec:
                      nodeSelector: {kubernetes.io/hostname: \(Node.gpu)}
                      initContainers:
                      - name: copy-config
                        image: busybox:1.36
                        command: [sh, -c, "true"]
                        resources:
                          limits: {cpu: 0.5}
                      containers:
                      - name: frigate
                        image: busybox:1.36
                        command: [sh, -c, "sleep 3600"]
                        resources:
                          limits: {nvidia.com/gpu: 1, cpu: 2, memory: 1Gi}
                          requests: {cpu: 1.5}
                """)
            let deployment = try await lab.kubectl.json("get", "deployment", "frigate")
            let template = deployment["spec"]["template"]["spec"]
            let container = try #require(template["containers"].arrayValue?.first)
            #expect(container["resources"]["limits"] == ["nvidia.com/gpu": "1", "cpu": "2", "memory": "1Gi"])
            #expect(container["resources"]["requests"] == ["cpu": "1500m"])
            #expect(template["initContainers"].arrayValue?.first?["resources"]["limits"] == ["cpu": "500m"])

            // The pod the Deployment made is scheduled on the GPU node: the scheduler reads the strings.
            let pods = try await lab.waitForPods("app=frigate", "a running pod") { $0.count == 1 && $0[0]["status"]["phase"] == "Running" }
            #expect(pods[0]["spec"]["nodeName"] == .string(Node.gpu))
            #expect(pods[0]["spec"]["containers"].arrayValue?.first?["resources"]["limits"]["nvidia.com/gpu"] == "1")

            try await lab.kubectl.apply("""
                apiVersion: v1
                kind: PersistentVolume
                metadata:
                  name: media-static
                spec:
                  capacity: {storage: 1073741824}
                  accessModes: [ReadWriteOnce]
                  hostPath: {path: /tmp/media}
                """)
            #expect(try await lab.kubectl.json("get", "pv", "media-static")["spec"]["capacity"]["storage"] == "1073741824")
            try await lab.kubectl.apply(Manifest.claim("media", size: "2147483648"))
            #expect(try await lab.kubectl.json("get", "pvc", "media")["spec"]["resources"]["requests"]["storage"] == "2147483648")

            let node = try await lab.kubectl.json("get", "node", Node.gpu)
            #expect(node["status"]["capacity"]["nvidia.com/gpu"] == "1")
            #expect(node["status"]["allocatable"]["cpu"].stringValue != nil)
        }
    }

    @Test("numbers become canonical quantity strings")
    func canonicalForm() {
        #expect(QuantityFields.string(.int(1)) == "1")
        #expect(QuantityFields.string(.double(2.0)) == "2")
        #expect(QuantityFields.string(.double(0.5)) == "500m")
        #expect(QuantityFields.string(.double(0.25)) == "250m")
        #expect(QuantityFields.string(.double(1.5)) == "1500m")
        #expect(QuantityFields.string(.double(0.0001)) == "100u")
    }
}
