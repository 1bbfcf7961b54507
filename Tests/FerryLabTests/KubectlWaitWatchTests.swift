import FerryJSON
import Foundation
import Testing

/// `kubectl wait` and `kubectl get -w`, which both read watch streams.
@Suite("kubectl wait and get -w")
struct KubectlWaitWatchTests {
    @Test("wait --for=condition=Ready returns once the pod is Ready")
    func waitReady() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("web"))
            let out = try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            #expect(out == "pod/web condition met\n")
            let pod = try await lab.object("pod", "web")
            #expect(pod.isPodReady)
            #expect(pod["status"]["phase"] == "Running")
        }
    }

    @Test("wait --for=condition=Ready times out on a pod that cannot be scheduled")
    func waitTimesOut() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("stuck", nodeSelector: ["kubernetes.io/hostname": "k3s-vm-gone"]))
            let result = try await lab.kubectl.run("wait", "--for=condition=Ready", "pod/stuck", "--timeout=1s")
            #expect(result.status == 1)
            #expect(result.stderr.contains("timed out waiting for the condition on pods/stuck"), "\(result)")
        }
    }

    @Test("wait --for=condition=Available on a Deployment, and --for=delete after deleting it")
    func waitDeploymentAndDelete() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.deployment("frigate", replicas: 2))
            #expect(
                try await lab.kubectl.succeed("wait", "--for=condition=Available", "deployment/frigate", "--timeout=20s")
                    == "deployment.apps/frigate condition met\n")
            let pods = try await lab.waitForPods("app=frigate", "two pods") { $0.count == 2 }
            try await lab.kubectl.succeed("delete", "deployment", "frigate", "--wait=false")
            try await lab.kubectl.succeed("wait", "--for=delete", "deployment/frigate", "--timeout=20s")
            // The garbage collector takes the ReplicaSet and its pods with it.
            let podNames = pods.compactMap { $0["metadata"]["name"].stringValue }.map { "pod/\($0)" }
            try await lab.kubectl.succeed(["wait", "--for=delete", "--timeout=20s"] + podNames)
            #expect(try await lab.kubectl.succeed("get", "replicasets,pods", "-o", "name").isEmpty)
        }
    }

    @Test("wait --for=delete returns when a Terminating pod is finally gone")
    func waitForDelete() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("web"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/web", "--timeout=20s")
            #expect(try await lab.kubectl.succeed("delete", "pod", "web", "--wait=false") == "pod \"web\" deleted\n")
            try await lab.kubectl.succeed("wait", "--for=delete", "pod/web", "--timeout=20s")
            let gone = try await lab.kubectl.run("get", "pod", "web")
            #expect(gone.status == 1)
        }
    }

    @Test("get -w prints a pod's rows as it is scheduled, runs, and is deleted")
    func getWatchTable() async throws {
        try await LabFixture.with { lab in
            // kubectl prints nothing while there is no pod, so a row of an earlier one
            // says its list is done and its watch runs: web's rows all come as events.
            try await lab.kubectl.apply(Manifest.pod("earlier"))
            try await lab.kubectl.watching("get", "pods", "-w") { watch in
                try await watch.waitForOutput("a row for the earlier pod") { $0.contains("\nearlier ") }
                try await lab.kubectl.apply(Manifest.pod("web"))
                try await watch.waitForOutput("a Running row for web") { output in
                    output.split(separator: "\n").contains { $0.hasPrefix("web ") && $0.contains(" Running ") && $0.contains("1/1") }
                }
                try await lab.kubectl.succeed("delete", "pod", "web", "--wait=false")
                let output = try await watch.waitForOutput("a Terminating row for web") { $0.contains(" Terminating ") }
                #expect(output.hasPrefix("NAME"))
                #expect(output.split(separator: "\n").contains { $0.hasPrefix("web ") && $0.contains(" Pending ") }, "\(output)")
            }
        }
    }

    @Test("get -w --output-watch-events shows ADDED, MODIFIED and DELETED for one pod only with -l")
    func getWatchEvents() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.pod("other", labels: ["app": "other"]))
            let output = try await lab.kubectl.watching("get", "pods", "-l", "app=cam", "-w", "--output-watch-events") { watch in
                try await lab.kubectl.apply(Manifest.pod("cam", labels: ["app": "cam"]))
                try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/cam", "--timeout=20s")
                try await lab.kubectl.succeed("delete", "pod", "cam", "--wait=false")
                return try await watch.waitForOutput("a DELETED event for cam") { output in
                    output.split(separator: "\n").contains { $0.hasPrefix("DELETED") && $0.contains(" cam ") }
                }
            }
            let rows = output.split(separator: "\n").dropFirst()
            #expect(rows.first?.hasPrefix("ADDED") == true, "\(output)")
            #expect(rows.contains { $0.hasPrefix("MODIFIED") && $0.contains(" Running ") })
            #expect(!output.contains("other"), "the selector must filter the watch")
        }
    }
}
