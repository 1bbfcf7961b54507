import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A real container's process is the container: its exit is the container's
/// termination, its output the log, and the pod's deletion (or the lab's stop) ends it.
@Suite("Helper pods: lifecycle")
struct HelperPodLifecycleTests {
    @Test("exit 0 makes the pod Succeeded, exit 7 Failed with exitCode 7; both streams are the log")
    func exitCodes() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.realPod("copy-ok", node: Node.pve, script: "echo to stdout\necho to stderr >&2"))
            try await lab.kubectl.apply(Manifest.realPod("copy-bad", node: Node.fawn, script: "echo checksum mismatch >&2\nexit 7"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/copy-ok", "--timeout=30s")
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Failed", "pod/copy-bad", "--timeout=30s")
            let bad = try await lab.object("pod", "copy-bad")
            let terminated = bad["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"]
            #expect(terminated?["exitCode"] == 7)
            #expect(terminated?["reason"] == "Error")
            let ok = try await lab.object("pod", "copy-ok")
            #expect(ok["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"]["reason"] == "Completed")
            #expect(try await lab.kubectl.succeed("logs", "copy-ok") == "to stdout\nto stderr\n")
            #expect(try await lab.kubectl.succeed("logs", "copy-bad") == "checksum mismatch\n")
            let table = try await lab.kubectl.succeed("get", "pods")
            #expect(table.contains("copy-ok    0/1     Completed"), "\(table)")
            #expect(table.contains("copy-bad   0/1     Error"), "\(table)")
        }
    }

    @Test("logs while it runs, and --previous after an OnFailure restart; an emptyDir outlives the restart")
    func logsAndRestarts() async throws {
        try await LabFixture.with { lab in
            let token = HelperPod.token()
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "retry", node: Node.pve,
                    script: """
                        if [ -e /scratch/tried ]; then echo second attempt; exec sleep \(token); fi
                        touch /scratch/tried
                        echo first attempt
                        exit 3
                        """, restartPolicy: "OnFailure", extraVolumes: "  - {name: scratch, emptyDir: {}}",
                    extraMounts: "    - {name: scratch, mountPath: /scratch}"))
            let pod = try await lab.waitFor("pod", "retry", "running again after a restart") {
                let status = $0["status"]["containerStatuses"].arrayValue?.first
                return status?["restartCount"] == 1 && status?["state"]["running"] != .null
            }
            #expect(pod["status"]["phase"] == "Running")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["lastState"]["terminated"]["exitCode"] == 3)
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/retry", "--timeout=30s")
            let current = try await eventually("the second attempt's log") {
                let log = try await lab.kubectl.succeed("logs", "retry")
                return log.isEmpty ? nil : log
            }
            #expect(current == "second attempt\n")
            #expect(try await lab.kubectl.succeed("logs", "retry", "--previous") == "first attempt\n")
            #expect(HelperPod.processes(containing: token).count == 1)
        }
    }

    @Test("deleting the pod sends SIGTERM to its processes; one that ignores it is killed after the grace period")
    func deletion() async throws {
        try await LabFixture.with { lab in
            let polite = HelperPod.token()
            let stubborn = HelperPod.token()
            try await lab.kubectl.apply(
                Manifest.realPod("polite", node: Node.pve, script: "trap 'exit 0' TERM\nsleep \(polite)\necho never"))
            try await lab.kubectl.apply(Manifest.realPod("stubborn", node: Node.fawn, script: "trap '' TERM\nsleep \(stubborn)"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/polite", "pod/stubborn", "--timeout=30s")
            #expect(!HelperPod.processes(containing: polite).isEmpty)
            #expect(!HelperPod.processes(containing: stubborn).isEmpty)

            try await lab.kubectl.succeed("delete", "pod", "polite", "--timeout=20s")
            #expect(HelperPod.processes(containing: polite).isEmpty)
            try await lab.kubectl.succeed("delete", "pod", "stubborn", "--grace-period=1", "--timeout=20s")
            #expect(HelperPod.processes(containing: stubborn).isEmpty)
        }
    }

    @Test("what a container leaves running in the background ends with it")
    func noLeftovers() async throws {
        try await LabFixture.with { lab in
            let token = HelperPod.token()
            try await lab.kubectl.apply(Manifest.realPod("forks", node: Node.gpu, script: "sleep \(token) &\necho forked"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/forks", "--timeout=30s")
            #expect(HelperPod.processes(containing: token).isEmpty)
        }
    }

    @Test("stopping the lab kills every container process it started")
    func labStopKillsAll() async throws {
        let token = HelperPod.token()
        try await LabFixture.with { lab in
            for (index, node) in [Node.pve, Node.fawn, Node.gpu].enumerated() {
                try await lab.kubectl.apply(Manifest.realPod("runner-\(index)", node: node, script: "sleep \(token)"))
            }
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/runner-0", "pod/runner-1", "pod/runner-2", "--timeout=30s")
            #expect(HelperPod.processes(containing: token).count >= 3)
        }
        try await eventually("no process left after the lab stopped") {
            HelperPod.processes(containing: token).isEmpty ? true : nil
        }
    }
}
