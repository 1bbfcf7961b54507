import FerryJSON
import Foundation
import Testing

/// The lab's kubelets: phases, readiness, restarts and CrashLoopBackOff, and the
/// logs of the current and the previous container.
@Suite("Kubelet")
struct KubeletTests {
    /// restartCount only grows, and fast with the lab's short back-off: wait for a
    /// lower bound (an exact `kubectl wait --for=jsonpath=...=2` can miss the moment).
    static func waitForRestarts(_ lab: LabFixture, _ pod: String, atLeast count: Int64) async throws {
        try await lab.waitFor("pod", pod, "\(count) restarts") {
            ($0["status"]["containerStatuses"].arrayValue?.first?["restartCount"].intValue ?? 0) >= count
        }
    }

    @Test("a pod goes Pending -> Running and Ready, with a pod IP from its node's CIDR and the node's IP")
    func runningPod() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("web", nodeSelector: ["kubernetes.io/hostname": Node.pve]))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            let pod = try await lab.object("pod", "web")
            #expect(pod["status"]["phase"] == "Running")
            #expect(pod["status"]["hostIP"] == "192.168.4.214")
            let node = try await lab.object("node", Node.pve)
            let cidrPrefix = node["spec"]["podCIDR"].stringValue?.split(separator: ".").prefix(3).joined(separator: ".") ?? "?"
            #expect(pod["status"]["podIP"].stringValue?.hasPrefix(cidrPrefix + ".") == true)
            let container = pod["status"]["containerStatuses"].arrayValue?.first
            #expect(container?["ready"] == true)
            #expect(container?["restartCount"] == 0)
            #expect(container?["state"]["running"]["startedAt"].stringValue != nil)
            #expect(pod.condition(type: "ContainersReady")?["status"] == "True")
            #expect(pod.condition(type: "PodScheduled")?["status"] == "True")
        }
    }

    @Test("a container that exits 0 with restartPolicy Never makes the pod Succeeded; exit 1 makes it Failed")
    func terminalPhases() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("job-ok", command: "echo done; exit 0", restartPolicy: "Never"))
            try await lab.kubectl.apply(Manifest.pod("job-bad", command: "echo failing; exit 3", restartPolicy: "Never"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/job-ok", "--timeout=20s")
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Failed", "pod/job-bad", "--timeout=20s")
            let bad = try await lab.object("pod", "job-bad")
            let terminated = bad["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"]
            #expect(terminated?["exitCode"] == 3)
            #expect(terminated?["reason"] == "Error")
            #expect(bad["status"]["containerStatuses"].arrayValue?.first?["restartCount"] == 0)
            #expect(!bad.isPodReady)
            #expect(try await lab.kubectl.succeed("logs", "job-ok") == "done\n")
            let table = try await lab.kubectl.succeed("get", "pods")
            #expect(table.contains("Completed"), "\(table)")
            #expect(table.contains("Error"), "\(table)")
        }
    }

    @Test("sh -c \"echo boom; exit 1\" restarts into CrashLoopBackOff with growing restart counts")
    func crashLoop() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("boom", command: "echo boom; exit 1"))
            try await Self.waitForRestarts(lab, "boom", atLeast: 2)
            let pod = try await lab.object("pod", "boom")
            let status = try #require(pod["status"]["containerStatuses"].arrayValue?.first)
            #expect(status["ready"] == false)
            #expect(status["lastState"]["terminated"]["exitCode"] == 1)
            #expect(status["lastState"]["terminated"]["reason"] == "Error")
            #expect(pod["status"]["phase"] == "Running")
            #expect(!pod.isPodReady)
            let crashLooping = try await lab.waitFor("pod", "boom", "CrashLoopBackOff") {
                $0["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "CrashLoopBackOff"
            }
            #expect(crashLooping["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["message"].stringValue?
                .hasPrefix("back-off ") == true)
            let table = try await lab.kubectl.succeed("get", "pod", "boom")
            #expect(table.contains("0/1"), "\(table)")
            let events = try await lab.kubectl.succeed("get", "events", "--field-selector", "involvedObject.name=boom,reason=BackOff")
            #expect(events.contains("Back-off restarting failed container main in pod boom_default"), "\(events)")
        }
    }

    @Test("logs --previous shows what the crashed container printed")
    func previousLogs() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("boom", command: "echo boom; exit 1"))
            try await Self.waitForRestarts(lab, "boom", atLeast: 2)
            #expect(try await lab.kubectl.succeed("logs", "boom", "--previous") == "boom\n")
            #expect(try await lab.kubectl.succeed("logs", "boom", "-p", "-c", "main") == "boom\n")
        }
    }

    @Test("logs --previous of a container that never restarted is an error")
    func noPreviousLogs() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("steady", command: "echo up; sleep 3600"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/steady", "--timeout=20s")
            #expect(try await lab.kubectl.succeed("logs", "steady") == "up\n")
            let previous = try await lab.kubectl.run("logs", "steady", "--previous")
            #expect(previous.status == 1, "\(previous)")
            #expect(previous.stderr.contains(#"previous terminated container "main" in pod "steady" not found"#), "\(previous)")
        }
    }

    @Test("logs of a pod whose container has not started says it is waiting to start")
    func logsBeforeStart() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("stuck", nodeSelector: ["kubernetes.io/hostname": Node.fawn], runtimeClass: "nvidia"))
            try await lab.waitFor("pod", "stuck", "on its node") { $0["spec"]["nodeName"].stringValue == Node.fawn }
            let result = try await lab.kubectl.run("logs", "stuck")
            #expect(result.status == 1)
            #expect(result.stderr.contains(#"container "main" in pod "stuck" is waiting to start: ContainerCreating"#), "\(result)")
        }
    }
}
