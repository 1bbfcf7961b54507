import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// Watch streams over plain HTTPS: one JSON event per line, resumable from a
/// resourceVersion, and 410 Expired once that version has left the history.
@Suite("Watch streams")
struct WatchTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    static func configMap(_ name: String, _ value: String) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["v": .string(value)]]
    }

    @Test("a watch from a list's resourceVersion sees ADDED, MODIFIED, DELETED in order")
    func addedModifiedDeleted() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let since = try #require(try await https.get(Self.configMaps).body["metadata"]["resourceVersion"].stringValue)
                let watching = Task {
                    try await https.watch("\(Self.configMaps)?watch=1&resourceVersion=\(since)") { $0.count >= 3 }
                }
                let created = try await https.post(Self.configMaps, Self.configMap("cam", "1")).body
                var changed = created
                changed["data"] = ["v": "2"]
                #expect(try await https.put("\(Self.configMaps)/cam", changed).status == 200)
                #expect(try await https.delete("\(Self.configMaps)/cam").status == 200)
                let (status, events) = try await watching.value
                #expect(status == 200)
                #expect(events.summary == ["ADDED cam", "MODIFIED cam", "DELETED cam"])
                #expect(events[1]["object"]["data"]["v"] == "2")
                let versions = events.compactMap { $0["object"]["metadata"]["resourceVersion"].stringValue.flatMap { Int64($0) } }
                #expect(versions.count == 3)
                #expect(versions == versions.sorted() && Set(versions).count == 3)
                #expect(versions.allSatisfy { $0 > Int64(since)! })
            }
        }
    }

    /// A list whose resourceVersion is newer than its items makes a watch from that
    /// version miss the change in between for good: ferry then waits for a PVC that
    /// is long Bound. Writes land all through the lists here, so a list read in two
    /// steps shows it.
    @Test("a list's resourceVersion is never newer than its items, while writes land")
    func listIsASnapshot() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let store = lab.lab.store
                let writer = Task {
                    for index in 0..<1000 {
                        var object = Self.configMap("w\(index)", "1")
                        object[path: ["metadata", "namespace"]] = "default"
                        try await store.create(object, kind: ResourceCatalog.configMaps)
                        await Task.yield()
                    }
                }
                var lists: [(names: Set<String>, version: Int64)] = []
                while lists.last?.names.count ?? 0 < 1000 {
                    let body = try await https.get(Self.configMaps).body
                    let names = Set((body["items"].arrayValue ?? []).compactMap { $0["metadata"]["name"].stringValue })
                    lists.append((names, Int64(body["metadata"]["resourceVersion"].stringValue ?? "") ?? 0))
                }
                try await writer.value
                let created = await store.list(ResourceCatalog.configMaps, namespace: "default")
                    .map { ($0.name, Int64($0.resourceVersion) ?? 0) }
                #expect(lists.contains { !$0.names.isEmpty && $0.names.count < created.count }, "the lists ran while writes landed")
                for list in lists {
                    let missing = created.filter { $0.1 <= list.version && !list.names.contains($0.0) }.map(\.0)
                    #expect(missing.isEmpty, "the list at resourceVersion \(list.version) lacks \(missing)")
                }
            }
        }
    }

    @Test("a watch without a resourceVersion starts with every current object as ADDED")
    func initialState() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let (_, events) = try await https.watch("/api/v1/nodes?watch=1") { $0.count >= 3 }
                #expect(Set(events.summary) == ["ADDED \(Node.gpu)", "ADDED \(Node.fawn)", "ADDED \(Node.pve)"])
            }
        }
    }

    @Test("resuming from an object's resourceVersion replays only the later changes")
    func resume() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let first = try await https.post(Self.configMaps, Self.configMap("a", "1")).body
                let resumeFrom = try #require(first["metadata"]["resourceVersion"].stringValue)
                _ = try await https.post(Self.configMaps, Self.configMap("b", "1"))
                var changed = first
                changed["data"] = ["v": "2"]
                _ = try await https.put("\(Self.configMaps)/a", changed)
                let (_, events) = try await https.watch("\(Self.configMaps)?watch=1&resourceVersion=\(resumeFrom)") { $0.count >= 2 }
                #expect(events.summary == ["ADDED b", "MODIFIED a"])
            }
        }
    }

    @Test("through a label selector, an object that stops matching is DELETED and one that starts is ADDED")
    func selectorTransitions() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let since = try #require(try await https.get(Self.configMaps).body["metadata"]["resourceVersion"].stringValue)
                try await lab.kubectl.apply(Manifest.configMap("cam"))
                try await lab.kubectl.succeed("label", "configmap", "cam", "watched=yes")
                try await lab.kubectl.succeed("label", "configmap", "cam", "watched=no", "--overwrite")
                let (_, events) = try await https.watch(
                    "\(Self.configMaps)?watch=1&labelSelector=watched%3Dyes&resourceVersion=\(since)") { $0.count >= 2 }
                #expect(events.summary == ["ADDED cam", "DELETED cam"])
            }
        }
    }

    @Test("a resourceVersion older than the retained history gets 410 Expired inside the stream")
    func expiredOverHTTPS() async throws {
        // KubeLab keeps a long history; an apiserver on a store that keeps three events shows expiry.
        let ca = try LabCertificateAuthority(commonName: "watch-test-ca")
        let store = ObjectStore(historyLimit: 3)
        let token = "watch-test-token"
        let server = try await LabHTTPSServer(
            responder: KubeAPIServer(store: store, logs: PodLogs(), tokens: [token: "system:admin"]),
            identity: try ca.issueServer(commonName: "k3s"), clientCA: ca.certificatePEM, port: 0)
        defer { server.stop() }
        var first: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c0", "namespace": "default"]]
        let oldest = try await store.create(first, kind: ResourceCatalog.configMaps).resourceVersion
        for index in 1...5 {
            first[path: ["metadata", "name"]] = .string("c\(index)")
            try await store.create(first, kind: ResourceCatalog.configMaps)
        }
        try await LabHTTPS.using(try LabHTTPS(baseURL: "https://127.0.0.1:\(server.port)", caPEM: ca.certificatePEM, identity: nil)) { https in
            let (status, events) = try await https.watch("\(Self.configMaps)?watch=1&resourceVersion=\(oldest)", bearer: token) { _ in false }
            #expect(status == 200)
            #expect(events.count == 1)
            let error = try #require(events.first)
            #expect(error["type"] == "ERROR")
            #expect(error["object"]["kind"] == "Status")
            #expect(error["object"]["code"] == 410)
            #expect(error["object"]["reason"] == "Expired")
            #expect(error["object"]["message"].stringValue?.hasPrefix("too old resource version: \(oldest)") == true)

            let current = try await https.request(.GET, Self.configMaps, bearer: token)
            let recent = try #require(current.body["metadata"]["resourceVersion"].stringValue)
            let fresh = try await https.watch("\(Self.configMaps)?watch=1&resourceVersion=\(recent)&timeoutSeconds=1", bearer: token) { _ in false }
            #expect(fresh.events.isEmpty, "a current resourceVersion resumes without error: \(fresh.events.summary)")
        }
    }

    @Test("ObjectStore: resuming within the history replays it, older than the history is 410 Gone")
    func storeHistoryLimit() async throws {
        let store = ObjectStore(historyLimit: 2)
        var object: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a", "namespace": "default"]]
        let start = Int64(await store.currentResourceVersion)!
        for name in ["a", "b", "c", "d"] {
            object[path: ["metadata", "name"]] = .string(name)
            try await store.create(object, kind: ResourceCatalog.configMaps)
        }
        do {
            _ = try await store.watch(kind: ResourceCatalog.configMaps, namespace: nil, since: start, initialState: false)
            Issue.record("a watch from \(start) should have expired")
        } catch {
            #expect(error.code == 410)
            #expect(error.reason == "Expired")
        }
        let stream = try await store.watch(kind: ResourceCatalog.configMaps, namespace: nil, since: start + 2, initialState: false)
        var names: [String] = []
        for await event in stream {
            names.append(event.key.name)
            if names.count == 2 { break }
        }
        #expect(names == ["c", "d"])
    }
}
