import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// When a real container cannot be set up, the pod says so in the kubelet's words
/// instead of running with the wrong files.
@Suite("Helper pods: sandbox failures")
struct HelperPodSandboxTests {
    @Test("a command this machine lacks ends the container with 127 and says which")
    func missingCommand() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                """
                apiVersion: v1
                kind: Pod
                metadata: {name: no-tool}
                spec:
                  restartPolicy: Never
                  containers:
                  - {name: main, image: docker.io/instrumentisto/rsync-ssh, command: [ferry-no-such-tool, --daemon]}
                """)
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Failed", "pod/no-tool", "--timeout=30s")
            let pod = try await lab.object("pod", "no-tool")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"]["exitCode"] == 127)
            let log = try await lab.kubectl.succeed("logs", "no-tool")
            #expect(log.contains("ferry-no-such-tool: No such file or directory"), "\(log)")
        }
    }

    @Test("a missing ConfigMap key leaves the container CreateContainerConfigError with the kubelet's message")
    func missingConfigMapKey() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                """
                apiVersion: v1
                kind: Pod
                metadata: {name: no-key}
                spec:
                  containers:
                  - name: main
                    image: docker.io/library/alpine:3.20
                    command: [sh, -c, 'echo $PLAN']
                    env: [{name: PLAN, valueFrom: {configMapKeyRef: {name: missing, key: plan}}}]
                """)
            let pod = try await lab.waitFor("pod", "no-key", "CreateContainerConfigError") {
                $0["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "CreateContainerConfigError"
            }
            #expect(pod["status"]["phase"] == "Pending")
            let message = try await lab.waitForEvent(about: "no-key", reason: "Failed")
            #expect(message == #"Error: configmap "missing" not found"#)
        }
    }

    @Test("unshare refused: FailedCreatePodSandBox with what to do; a volume the setup cannot mount: FailedMount naming it")
    func setupFailures() {
        let refused = ProcessContainerRuntime.setupFailure(report: "", printed: ["unshare: unshare failed: Operation not permitted"])
        guard case .notCreated(let waiting, let event, let message) = refused else {
            Issue.record("expected notCreated, got \(refused)")
            return
        }
        #expect(waiting == "ContainerCreating")
        #expect(event == "FailedCreatePodSandBox")
        #expect(message.hasPrefix("Failed to create pod sandbox: unshare: unshare failed: Operation not permitted"), "\(message)")
        #expect(message.contains("run the lab as root"), "\(message)")

        let mount = ProcessContainerRuntime.setupFailure(
            report: "mount: /x/rootfs/media: special device /srv/media does not exist.\n\(PodSandbox.failedMountMarker)media\n",
            printed: [])
        #expect(
            mount == .notCreated(
                waiting: "ContainerCreating", event: "FailedMount",
                message: #"MountVolume.SetUp failed for volume "media" : mount: /x/rootfs/media: special device /srv/media does not exist."#))
    }
}
