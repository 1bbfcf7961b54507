import FerryJSON
import Foundation
import Testing

extension Manifest {
    /// A pod in `default` with one init container and one container sharing an emptyDir at /work.
    static func initPod(_ name: String, initCommand: String, command: String, restartPolicy: String = "Always") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          restartPolicy: \(restartPolicy)
          volumes: [{name: work, emptyDir: {}}]
          initContainers:
          - name: seed
            image: busybox:1.36
            command: ["sh", "-c", "\(initCommand)"]
            volumeMounts: [{name: work, mountPath: /work}]
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "\(command)"]
            volumeMounts: [{name: work, mountPath: /work}]
        """
    }
}

/// Init containers in the lab's kubelet: in order, before the pod's containers, on its volumes.
@Suite("Init containers")
struct InitContainerTests {
    @Test("an init container writes a file into a shared volume that the main container then reads")
    func sharedVolume() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.initPod(
                "seeded", initCommand: "echo copied-config > /work/config.yml", command: "cat /work/config.yml", restartPolicy: "Never"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/seeded", "--timeout=30s")
            #expect(try await lab.kubectl.succeed("logs", "seeded", "-c", "main") == "copied-config\n")
            let pod = try await lab.object("pod", "seeded")
            let seed = pod["status"]["initContainerStatuses"].arrayValue?.first
            #expect(seed?["name"] == "seed")
            #expect(seed?["state"]["terminated"]["reason"] == "Completed")
            #expect(seed?["ready"] == true)
            #expect(pod.condition(type: "Initialized")?["status"] == "True")
        }
    }

    @Test("while an init container runs the pod is Pending, not Initialized, and kubectl shows Init:0/1")
    func initializing() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.initPod("waiting", initCommand: "sleep 3600", command: "sleep 3600"))
            let pod = try await lab.waitFor("pod", "waiting", "its init container running") {
                $0["status"]["initContainerStatuses"].arrayValue?.first?["state"]["running"].objectValue != nil
            }
            #expect(pod["status"]["phase"] == "Pending")
            #expect(pod.condition(type: "Initialized")?["status"] == "False")
            #expect(pod.condition(type: "Initialized")?["reason"] == "ContainersNotInitialized")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "PodInitializing")
            let table = try await lab.kubectl.succeed("get", "pod", "waiting")
            #expect(table.contains("Init:0/1"), "\(table)")
        }
    }

    @Test("a failing init container keeps the pod's containers from starting: Failed with Never, back-off otherwise")
    func failing() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.initPod(
                "broken", initCommand: "exit 3", command: "echo should-not-run", restartPolicy: "Never"))
            try await lab.kubectl.apply(Manifest.initPod("retrying", initCommand: "exit 1", command: "sleep 3600"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Failed", "pod/broken", "--timeout=30s")
            let broken = try await lab.object("pod", "broken")
            #expect(broken["status"]["initContainerStatuses"].arrayValue?.first?["state"]["terminated"]["exitCode"] == 3)
            #expect(broken["status"]["containerStatuses"].arrayValue?.first?["state"]["running"] == .null)
            #expect(broken["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"] == .null)
            #expect(try await lab.kubectl.succeed("get", "pod", "broken").contains("Init:Error"))

            let retrying = try await lab.waitFor("pod", "retrying", "its init container restarted") {
                ($0["status"]["initContainerStatuses"].arrayValue?.first?["restartCount"].intValue ?? 0) >= 1
            }
            #expect(retrying["status"]["phase"] == "Pending")
            #expect(retrying["status"]["containerStatuses"].arrayValue?.first?["state"]["running"] == .null)
        }
    }
}
