import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A pod whose image the lab does not simulate runs its command for real, in a
/// filesystem of its own where its volumes are the real directories on its node.
@Suite("Helper pods: volumes and environment")
struct HelperPodVolumeTests {
    @Test("a pod on a node writes into its claim: the file is in the PV's directory on that node, and nowhere else")
    func writesIntoVolume() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.claim("notes"))
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "writer", node: Node.pve,
                    script: """
                        mkdir -p /data/sub
                        echo "written by $HOSTNAME" > /data/sub/hello.txt
                        ls /data/sub
                        """, claim: "notes"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/writer", "--timeout=30s")
            let volume = try HelperPod.volumeDirectory(lab, claim: "notes", on: Node.pve)
            let written = try String(contentsOf: volume.appendingPathComponent("sub/hello.txt"), encoding: .utf8)
            #expect(written == "written by writer\n")
            #expect(!FileManager.default.fileExists(atPath: "/data/sub/hello.txt"), "the pod's /data is its volume, not this machine's /data")
            #expect(try await lab.kubectl.succeed("logs", "writer") == "hello.txt\n")
        }
    }

    @Test("readOnly mounts refuse writes; the rest of the host's filesystem is read-only too")
    func readOnlyMount() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.claim("archive"))
            try await lab.kubectl.apply(
                Manifest.realPod("seed", node: Node.fawn, script: "echo kept > /data/original", claim: "archive"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/seed", "--timeout=30s")
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "reader", node: Node.fawn,
                    script: """
                        cat /data/original
                        echo changed > /data/original || echo "volume: refused"
                        touch /usr/ferry-was-here || echo "usr: refused"
                        echo scratch > /tmp/scratch && cat /tmp/scratch
                        """, claim: "archive", readOnly: true))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/reader", "--timeout=30s")
            let log = try await lab.kubectl.succeed("logs", "reader")
            #expect(log.contains("kept\n"), "\(log)")
            #expect(log.contains("Read-only file system"), "\(log)")
            #expect(log.contains("volume: refused\n"), "\(log)")
            #expect(log.contains("usr: refused\n"), "\(log)")
            #expect(log.hasSuffix("scratch\n"), "\(log)")
            let volume = try HelperPod.volumeDirectory(lab, claim: "archive", on: Node.fawn)
            #expect(try String(contentsOf: volume.appendingPathComponent("original"), encoding: .utf8) == "kept\n")
            #expect(!FileManager.default.fileExists(atPath: "/usr/ferry-was-here"))
        }
    }

    @Test("env: values, $(VAR) references, POD_IP from the downward API, HOSTNAME, workingDir, an emptyDir and a ConfigMap volume")
    func environment() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.configMap("settings", data: ["greeting": "hello from a configmap"]))
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "env", node: Node.gpu,
                    script: """
                        echo "ip=$POD_IP host=$HOSTNAME dir=$(pwd) listen=$LISTEN later=$LATER"
                        cat /config/greeting; echo
                        echo scratch > /work/file && cat /work/file
                        """, podIPEnv: true, env: ["PORT": "7000", "LISTEN": "$(POD_IP):$(PORT)", "LATER": "$(UNDEFINED)"],
                    extraVolumes: "  - {name: scratch, emptyDir: {}}\n  - {name: config, configMap: {name: settings}}",
                    extraMounts: "    - {name: scratch, mountPath: /work}\n    - {name: config, mountPath: /config}", workingDir: "/work"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/env", "--timeout=30s")
            let pod = try await lab.object("pod", "env")
            let ip = try #require(pod["status"]["podIP"].stringValue)
            #expect(ip.hasPrefix("127."), "pods live on this machine's loopback network: \(ip)")
            #expect(pod["status"]["podIPs"] == [["ip": .string(ip)]])
            let log = try await lab.kubectl.succeed("logs", "env")
            // A reference to an undefined variable stays as written, as in Kubernetes.
            #expect(log == "ip=\(ip) host=env dir=/work listen=\(ip):7000 later=$(UNDEFINED)\nhello from a configmap\nscratch\n", "\(log)")
        }
    }

    @Test("a volume that cannot be mounted leaves the pod Pending with a FailedMount event, and nothing runs")
    func failedMount() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "unmountable", node: Node.pve, script: "echo should not run",
                    extraVolumes: "  - {name: scratch, emptyDir: {}}", extraMounts: "    - {name: scratch, mountPath: /usr/lib/ferry-scratch}"))
            let message = try await lab.waitForEvent(about: "unmountable", reason: "FailedMount")
            #expect(message.hasPrefix(#"MountVolume.SetUp failed for volume "scratch" : "#), "\(message)")
            #expect(message.contains("Read-only file system"), "\(message)")
            let pod = try await lab.object("pod", "unmountable")
            #expect(pod["status"]["phase"] == "Pending")
            #expect(pod["status"]["containerStatuses"].arrayValue?.first?["state"]["waiting"]["reason"] == "ContainerCreating")
            let logs = try await lab.kubectl.run("logs", "unmountable")
            #expect(logs.stderr.contains(#"container "main" in pod "unmountable" is waiting to start: ContainerCreating"#), "\(logs)")
            let described = try await lab.kubectl.succeed("describe", "pod", "unmountable")
            #expect(described.contains("FailedMount"), "\(described)")
        }
    }

    @Test("an NFS volume is refused with a clear FailedMount message")
    func unsupportedVolume() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "nfs", node: Node.pve, script: "ls /media",
                    extraVolumes: "  - {name: media, nfs: {server: nas.local, path: /export/media}}",
                    extraMounts: "    - {name: media, mountPath: /media}"))
            let message = try await lab.waitForEvent(about: "nfs", reason: "FailedMount")
            #expect(message.contains("the lab cannot mount nfs volumes"), "\(message)")
        }
    }
}
