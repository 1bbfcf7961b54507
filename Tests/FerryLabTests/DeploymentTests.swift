import FerryJSON
import Foundation
import Testing

/// The Deployment and ReplicaSet controllers: pods named DEPLOYMENT-HASH-SUFFIX,
/// Available/Progressing conditions, observedGeneration, and both strategies.
@Suite("Deployments")
struct DeploymentTests {
    /// Kubernetes' name alphabet: no vowels, no 0, 1, 3.
    static let hashPattern = "[bcdfghjklmnpqrstvwxz2456789]"

    @Test("pods are named DEPLOYMENT-<10 chars>-<5 chars> after their ReplicaSet's pod-template-hash")
    func podNames() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate", replicas: 2))
            let pods = try await lab.waitForPods("app=frigate", "two pods") { $0.count == 2 }
            let pattern = try Regex("^frigate-\(Self.hashPattern){10}-\(Self.hashPattern){5}$")
            let replicaSets = try await lab.kubectl.json("get", "replicasets", "-l", "app=frigate")["items"].arrayValue ?? []
            #expect(replicaSets.count == 1)
            let rs = try #require(replicaSets.first)
            let hash = try #require(rs["metadata"]["labels"]["pod-template-hash"].stringValue)
            #expect(rs["metadata"]["name"].stringValue == "frigate-\(hash)")
            #expect(rs["metadata"]["ownerReferences"].arrayValue?.first?["kind"] == "Deployment")
            #expect(rs["metadata"]["ownerReferences"].arrayValue?.first?["controller"] == true)
            for pod in pods {
                let name = try #require(pod["metadata"]["name"].stringValue)
                #expect(name.wholeMatch(of: pattern) != nil, "\(name)")
                #expect(name.hasPrefix("frigate-\(hash)-"))
                #expect(pod["metadata"]["labels"]["pod-template-hash"] == .string(hash))
                #expect(pod["metadata"]["ownerReferences"].arrayValue?.first?["name"] == rs["metadata"]["name"])
            }
            #expect(Set(pods.compactMap { $0["metadata"]["name"].stringValue }).count == 2)
        }
    }

    @Test("a rolled-out Deployment is Available and Progressing=NewReplicaSetAvailable with ready counts")
    func conditionsAndCounts() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate", replicas: 3))
            try await lab.kubectl.succeed("rollout", "status", "deployment/frigate", "--timeout=20s")
            let deployment = try await lab.waitFor("deployment", "frigate", "Available") {
                $0.condition(type: "Available")?["status"] == "True"
            }
            #expect(deployment.condition(type: "Available")?["reason"] == "MinimumReplicasAvailable")
            #expect(deployment.condition(type: "Progressing")?["reason"] == "NewReplicaSetAvailable")
            #expect(deployment["status"]["replicas"] == 3)
            #expect(deployment["status"]["readyReplicas"] == 3)
            #expect(deployment["status"]["availableReplicas"] == 3)
            #expect(deployment["status"]["updatedReplicas"] == 3)
            let table = try await lab.kubectl.succeed("get", "deployment", "frigate")
            #expect(table.contains("3/3"), "\(table)")
        }
    }

    @Test("a Deployment whose pods cannot run is not Available")
    func unavailable() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate", nodeSelector: ["kubernetes.io/hostname": "k3s-vm-gone"]))
            let deployment = try await lab.waitFor("deployment", "frigate", "Available=False") {
                $0.condition(type: "Available")?["status"] == "False"
            }
            #expect(deployment.condition(type: "Available")?["reason"] == "MinimumReplicasUnavailable")
            #expect(deployment["status"]["unavailableReplicas"] == 1)
        }
    }

    @Test("generation rises with spec changes only, and observedGeneration catches up")
    func generations() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate"))
            try await lab.waitFor("deployment", "frigate", "observedGeneration 1") { $0["status"]["observedGeneration"] == 1 }
            #expect(try await lab.object("deployment", "frigate")["metadata"]["generation"] == 1)
            try await lab.kubectl.succeed("label", "deployment", "frigate", "team=nvr")
            try await lab.kubectl.succeed("annotate", "deployment", "frigate", "note=metadata only")
            #expect(try await lab.object("deployment", "frigate")["metadata"]["generation"] == 1)
            try await lab.kubectl.succeed("scale", "deployment", "frigate", "--replicas=2")
            try await lab.kubectl.succeed("set", "image", "deployment/frigate", "main=frigate:0.14")
            let deployment = try await lab.waitFor("deployment", "frigate", "observedGeneration 3") {
                $0["status"]["observedGeneration"] == 3
            }
            #expect(deployment["metadata"]["generation"] == 3)
            try await lab.kubectl.succeed("rollout", "status", "deployment/frigate", "--timeout=20s")
        }
    }

    @Test("Recreate removes every old pod before the first new one is created")
    func recreate() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("nvr", replicas: 2, strategy: "Recreate", image: "frigate:0.13"))
            try await lab.kubectl.succeed("rollout", "status", "deployment/nvr", "--timeout=20s")
            try await LabHTTPS.using(try lab.https()) { https in
                let since = try #require(try await https.get("/api/v1/namespaces/default/pods").body["metadata"]["resourceVersion"].stringValue)
                try await lab.kubectl.succeed("set", "image", "deployment/nvr", "main=frigate:0.14")
                try await lab.kubectl.succeed("rollout", "status", "deployment/nvr", "--timeout=20s")
                let newHash = try #require(
                    try await lab.kubectl.json("get", "pods", "-l", "app=nvr")["items"].arrayValue?.first?["metadata"]["labels"]["pod-template-hash"].stringValue)
                let (_, events) = try await https.watch("/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dnvr&resourceVersion=\(since)") { events in
                    events.filter { $0["type"] == "ADDED" }.count >= 2 && events.filter { $0["type"] == "DELETED" }.count >= 2
                }
                let isNew = { (event: JSON) in event["object"]["metadata"]["labels"]["pod-template-hash"].stringValue == newHash }
                let lastOldDeleted = try #require(events.lastIndex { $0["type"] == "DELETED" && !isNew($0) })
                let firstNewAdded = try #require(events.firstIndex { $0["type"] == "ADDED" && isNew($0) })
                #expect(lastOldDeleted < firstNewAdded, "\(events.summary)")
            }
        }
    }

    @Test("RollingUpdate with maxSurge 1 / maxUnavailable 0 never exceeds 4 pods nor drops below 3 available")
    func rollingUpdate() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                Manifest.deployment("cam", replicas: 3, maxSurge: 1, maxUnavailable: 0, image: "frigate:0.13"))
            try await lab.kubectl.succeed("rollout", "status", "deployment/cam", "--timeout=20s")
            try await LabHTTPS.using(try lab.https()) { https in
                let list = try await https.get("/api/v1/namespaces/default/pods?labelSelector=app%3Dcam").body
                let since = try #require(list["metadata"]["resourceVersion"].stringValue)
                var pods: [String: JSON] = [:]
                for pod in list["items"].arrayValue ?? [] { pods[pod["metadata"]["name"].stringValue!] = pod }
                try await lab.kubectl.succeed("set", "image", "deployment/cam", "main=frigate:0.14")
                try await lab.kubectl.succeed("rollout", "status", "deployment/cam", "--timeout=20s")
                let (_, events) = try await https.watch("/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dcam&resourceVersion=\(since)") { events in
                    events.filter { $0["type"] == "DELETED" }.count >= 3
                }
                // Replay the events: count live pods and available (Ready, not deleting) pods after each one.
                var most = 0
                var fewestAvailable = Int.max
                for event in events {
                    let name = event["object"]["metadata"]["name"].stringValue!
                    if event["type"] == "DELETED" { pods[name] = nil } else { pods[name] = event["object"] }
                    let live = pods.values.filter { !$0.isTerminating }
                    most = max(most, live.count)
                    fewestAvailable = min(fewestAvailable, live.filter(\.isPodReady).count)
                }
                let final = try await lab.kubectl.json("get", "pods", "-l", "app=cam")["items"].arrayValue ?? []
                let finalNames = Set(final.compactMap { $0["metadata"]["name"].stringValue })
                #expect(most <= 4)
                #expect(fewestAvailable >= 3)
                #expect(final.count == 3)
                #expect(final.allSatisfy { $0["spec"]["containers"].arrayValue?.first?["image"] == "frigate:0.14" })
                #expect(finalNames.isDisjoint(with: Set(list["items"].arrayValue?.compactMap { $0["metadata"]["name"].stringValue } ?? [])))
            }
        }
    }
}
