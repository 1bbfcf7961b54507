import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// A container of an image the lab knows to be BusyBox-based has BusyBox's tools and
/// what the image adds, not this machine's: a script that needs GNU tools, or a tool
/// the image lacks, fails in the lab as on a node.
@Suite("Helper pods: the tools of their image")
struct ImageToolsTests {
    static func run(_ lab: LabFixture, _ name: String, image: String, script: String) async throws -> (code: Int?, log: String) {
        try await lab.kubectl.apply(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name)}
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: \(image)
                command: [sh, -c, \(JSON.string(script).serialized)]
            """)
        let pod = try await lab.waitFor("pod", name, "the pod's end") {
            ["Succeeded", "Failed"].contains($0["status"]["phase"].stringValue ?? "")
        }
        let code = pod["status"]["containerStatuses"].arrayValue?.first?["state"]["terminated"]["exitCode"].intValue
        return (code.map(Int.init), try await lab.kubectl.succeed("logs", name))
    }

    @Test("the default helper image runs BusyBox's applets and its rsync, and nothing else of this machine's")
    func defaultHelperImage() async throws {
        try await LabFixture.with { lab in
            let ran = try await Self.run(
                lab, "alpine-tools", image: "docker.io/instrumentisto/rsync-ssh:alpine",
                script: "readlink /bin/sh; command -v rsync; command -v bash || echo no bash; stat --version 2>&1 | head -n 1; true")
            #expect(ran.code == 0, "\(ran.log)")
            let lines = ran.log.split(separator: "\n").map(String.init)
            #expect(lines.first == "/bin/busybox", "sh is BusyBox's: \(ran.log)")
            #expect(lines.contains("/usr/bin/rsync"), "the image adds rsync: \(ran.log)")
            #expect(lines.contains("no bash"), "\(ran.log)")
            #expect(ran.log.contains("stat: unrecognized option '--version'"), "stat is BusyBox's, which has no --version: \(ran.log)")
        }
    }

    @Test("an image without rsync: a script that runs it ends with 127 and says so")
    func imageWithoutRsync() async throws {
        try await LabFixture.with { lab in
            let ran = try await Self.run(lab, "no-rsync", image: "busybox:1.36", script: "rsync --version")
            #expect(ran.code == 127, "\(ran.log)")
            #expect(ran.log.contains("rsync: not found"), "\(ran.log)")
        }
    }

    @Test("an image the lab does not know runs this machine's tools")
    func unknownImage() async throws {
        try await LabFixture.with { lab in
            let ran = try await Self.run(lab, "debian-tools", image: "debian:12", script: "command -v bash && stat --version | head -n 1")
            #expect(ran.code == 0, "\(ran.log)")
            #expect(ran.log.contains("coreutils"), "\(ran.log)")
        }
    }

    @Test("which images are BusyBox-based, whatever their registry and tag")
    func knownImages() {
        #expect(ImageTools.of(image: "docker.io/instrumentisto/rsync-ssh:alpine") == .busybox(adding: ["rsync", "ssh"]))
        #expect(ImageTools.of(image: "registry.home.lan:5000/instrumentisto/rsync-ssh:alpine@sha256:" + String(repeating: "a", count: 64))
            == .busybox(adding: ["rsync", "ssh"]))
        #expect(ImageTools.of(image: "alpine:3.20") == .busybox(adding: []))
        #expect(ImageTools.of(image: "docker.io/library/busybox") == .busybox(adding: []))
        #expect(ImageTools.of(image: "ghcr.io/blakeblackshear/frigate:stable") == .host)
    }
}
