import FerryJSON
import FerryLab
import NIOCore
import Foundation
import Testing

@testable import FerryKube

@Suite("Kubernetes client against the lab")
struct KubeClientTests {
    static let configMap: JSON = [
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": "frigate-config", "namespace": "default", "labels": ["app": "frigate"]],
        "data": ["config.yml": "detectors:\n  coral:\n    type: edgetpu\n"],
        "x-unknown-field": ["kept": true],
    ]

    @Test("create, get, update and delete keep fields the client does not model")
    func crud() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            let created = try await client.create(.configMaps, Self.configMap)
            #expect(created["metadata"]["uid"].stringValue?.isEmpty == false)
            var fetched = try await client.get(.configMaps, "frigate-config", namespace: "default")
            #expect(fetched["data"]["config.yml"] == Self.configMap["data"]["config.yml"])
            fetched[path: ["data", "extra"]] = "1"
            let updated = try await client.update(.configMaps, fetched)
            #expect(updated["data"]["extra"] == "1")
            #expect(try await client.delete(.configMaps, "frigate-config", namespace: "default"))
            #expect(try await client.delete(.configMaps, "frigate-config", namespace: "default") == false)
            #expect(try await client.find(.configMaps, "frigate-config", namespace: "default") == nil)
        }
    }

    @Test("a stale update is a conflict, a missing object NotFound, a duplicate AlreadyExists")
    func statusErrors() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            let created = try await client.create(.configMaps, Self.configMap)
            _ = try await client.patch(.configMaps, "frigate-config", namespace: "default", ["data": ["a": "b"]])
            let conflict = await #expect(throws: KubeClientError.self) { try await client.update(.configMaps, created) }
            #expect(conflict?.isConflict == true)
            #expect(conflict?.message?.contains("the object has been modified") == true)
            let missing = await #expect(throws: KubeClientError.self) { try await client.get(.pods, "nope", namespace: "default") }
            #expect(missing?.isNotFound == true)
            #expect(missing?.description.contains("pods \"nope\" not found") == true)
            let duplicate = await #expect(throws: KubeClientError.self) { try await client.create(.configMaps, Self.configMap) }
            #expect(duplicate?.isAlreadyExists == true)
        }
    }

    @Test("merge, JSON and strategic-merge patches change what they name")
    func patches() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            _ = try await client.patch(.nodes, "k3s-vm-still-fawn", ["metadata": ["labels": ["coral.ai/tpu": "usb"]]])
            let labelled = try await client.list(Node.self, labelSelector: "coral.ai/tpu=usb")
            #expect(labelled.map(\.name) == ["k3s-vm-still-fawn"])
            _ = try await client.patch(
                .nodes, "k3s-vm-still-fawn", [["op": "remove", "path": "/metadata/labels/coral.ai~1tpu"]], as: .json)
            #expect(try await client.list(Node.self, labelSelector: "coral.ai/tpu").isEmpty)
            try await client.create(.deployments, TestWorkloads.deployment(node: "k3s-vm-still-fawn"))
            _ = try await client.patch(
                .deployments, "frigate", namespace: "default",
                ["spec": ["template": ["spec": ["containers": [["name": "frigate", "image": "frigate:0.15"]]]]]], as: .strategic)
            let deployment = try await client.get(Deployment.self, "frigate", namespace: "default")
            let containers = deployment.podTemplate["spec"]["containers"].arrayValue ?? []
            #expect(containers.count == 2)
            #expect(containers.first { $0["name"] == "frigate" }?["image"] == "frigate:0.15")
        }
    }

    @Test("waitUntil returns once the pods are Ready, and times out with a clear error otherwise")
    func waiting() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            try await client.create(.deployments, TestWorkloads.deployment(node: "k3s-vm-still-fawn"))
            let pod = try await client.waitUntil(
                .pods, namespace: "default", labelSelector: "app=frigate", timeout: .seconds(20),
                waitingFor: "a Ready frigate pod"
            ) { pods in pods.map(Pod.init(json:)).first { $0.isReady } }
            #expect(pod.nodeName == "k3s-vm-still-fawn")
            #expect(try await client.logs(pod: pod.name, namespace: "default", container: "frigate") == "frigate started\n")
            let error = await #expect(throws: KubeClientError.self) {
                try await client.waitFor(.pods, "never", namespace: "default", timeout: .seconds(1), waitingFor: "pod never") { $0 != nil }
            }
            #expect(error?.code == .timeout)
            #expect(error?.description.contains("waiting for pod never") == true)
        }
    }

    @Test("scaling to zero through the scale subresource removes the pods")
    func scale() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            try await client.create(.deployments, TestWorkloads.deployment(node: "k3s-vm-pve"))
            _ = try await client.waitUntil(.pods, namespace: "default", labelSelector: "app=frigate", timeout: .seconds(20), waitingFor: "a pod") {
                $0.first.map(Pod.init(json:))
            }
            try await client.scale(.deployments, "frigate", namespace: "default", replicas: 0)
            let none: Bool = try await client.waitUntil(
                .pods, namespace: "default", labelSelector: "app=frigate", timeout: .seconds(20), waitingFor: "no frigate pods"
            ) { $0.isEmpty ? true : nil }
            #expect(none)
        }
    }

    @Test("a watch keeps delivering changes after the server drops its connection")
    func watchSurvivesDroppedConnection() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            let start = try await client.list(.configMaps, namespace: "default")
            let events = client.watch(.configMaps, namespace: "default", resourceVersion: start.resourceVersion,
                                      deadline: .now + .seconds(20))
            var iterator = events.makeAsyncIterator()
            try await client.create(.configMaps, Self.configMap)
            let first = try await iterator.next()
            #expect(first?.type == .added)
            lab.lab.dropWatchConnections()
            _ = try await client.patch(.configMaps, "frigate-config", namespace: "default", ["data": ["after": "drop"]])
            let second = try await iterator.next()
            #expect(second?.type == .modified)
            #expect(second?.object["data"]["after"] == "drop")
            _ = try await client.delete(.configMaps, "frigate-config", namespace: "default")
            let third = try await iterator.next()
            #expect(third?.type == .deleted)
        }
    }
}

extension KubeClientTests {
    @Test("a watch reconnects through an apiserver answering 503 while it restarts, and gives up after four refusals in a row")
    func watchRetriesServerErrors() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            let start = try await client.list(.configMaps, namespace: "default")
            let events = client.watch(.configMaps, namespace: "default", resourceVersion: start.resourceVersion, deadline: .now + .seconds(20))
            var iterator = events.makeAsyncIterator()
            try await client.create(.configMaps, Self.configMap)
            #expect(try await iterator.next()?.type == .added)
            lab.lab.refuseWatches(3)
            lab.lab.dropWatchConnections()
            _ = try await client.patch(.configMaps, "frigate-config", namespace: "default", ["data": ["after": "restart"]])
            let next = try await iterator.next()
            #expect(next?.type == .modified && next?.object["data"]["after"] == "restart")

            lab.lab.refuseWatches(10)
            lab.lab.dropWatchConnections()
            do {
                while try await iterator.next() != nil {}
                Issue.record("the watch ended without an error")
            } catch let error as KubeClientError {
                #expect(error.code == .status(503, reason: "ServiceUnavailable"), "\(error)")
            }
        }
    }
}

enum TestWorkloads {
    /// A two-container Deployment pinned to `node`; its main container logs "frigate started".
    static func deployment(node: String) -> JSON {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "frigate", "namespace": "default"],
            "spec": [
                "replicas": 1, "strategy": ["type": "Recreate"], "selector": ["matchLabels": ["app": "frigate"]],
                "template": [
                    "metadata": ["labels": ["app": "frigate"]],
                    "spec": [
                        "nodeSelector": ["kubernetes.io/hostname": .string(node)],
                        "containers": [
                            ["name": "frigate", "image": "frigate:0.14", "command": ["sh", "-c", "echo frigate started; sleep infinity"]],
                            ["name": "sidecar", "image": "busybox:1.36"],
                        ],
                    ],
                ],
            ],
        ]
    }
}

@Suite("Watch stream lines")
struct WatchLineTests {
    @Test("a blank line between events is skipped, and the event after it is read at once")
    func blankLines() {
        var buffer = ByteBuffer(string: "{\"type\":\"ADDED\"}\n\n{\"type\":\"MODIFIED\"}\n{\"type\":")
        let first = KubeClient.readLine(&buffer).map { String(decoding: $0, as: UTF8.self) }
        let second = KubeClient.readLine(&buffer).map { String(decoding: $0, as: UTF8.self) }
        #expect(first == #"{"type":"ADDED"}"#)
        #expect(second == #"{"type":"MODIFIED"}"#)
        #expect(KubeClient.readLine(&buffer) == nil, "a half-sent event waits for the rest")
        #expect(buffer.readableBytes == 8)
    }
}

@Suite("Typed views")
struct TypedViewTests {
    @Test("a Secret is read as names and keys only: its values never reach ferry")
    func secretMetadata() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            try await client.create(.secrets, [
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "frigate-credentials", "namespace": "default"],
                "stringData": ["FRIGATE_MQTT_PASSWORD": "hunter2"],
            ])
            let secret = try await client.get(SecretMetadata.self, "frigate-credentials", namespace: "default")
            #expect(secret.keys == ["FRIGATE_MQTT_PASSWORD"])
            #expect(!secret.json.serialized.contains("aHVudGVyMg"))  // base64 of the value
            #expect(!secret.json.serialized.contains("hunter2"))
        }
    }

    @Test("the default StorageClass and the K3s RuntimeClasses read as the scheduler sees them")
    func clusterKinds() async throws {
        try await withLab { lab in
            let client = try lab.client()
            defer { Task { await client.shutdown() } }
            let classes = try await client.list(StorageClass.self)
            #expect(classes.first(where: \.isDefault)?.volumeBindingMode == "WaitForFirstConsumer")
            #expect(try await client.get(RuntimeClass.self, "nvidia").handler == "nvidia")
            let node = try await client.get(Node.self, "k3s-vm-pumped-piglet-gpu")
            #expect(node.runtimeHandlers.contains("nvidia"))
            #expect(node.hostnameLabel == "k3s-vm-pumped-piglet-gpu")
        }
    }
}
