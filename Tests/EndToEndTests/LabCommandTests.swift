import Foundation
import Testing

/// The built `ferry` binary: `ferry lab up --dir D` starts the lab, writes
/// D/kubeconfig, serves kubectl, and stops cleanly on SIGINT.
@Suite("ferry lab up")
struct LabCommandTests {
    @Test("lab up writes a kubeconfig kubectl can use, and SIGINT stops the lab cleanly")
    func labUpAndInterrupt() async throws {
        let ferry = try FerryBinary.locate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let labDirectory = directory.appendingPathComponent("lab")
        let kubeconfig = labDirectory.appendingPathComponent("kubeconfig")

        let lab = try ChildProcess.start(ferry, ["lab", "up", "--dir", labDirectory.path], scratch: directory)
        defer { lab.kill() }
        try await ChildProcess.waitUntil("the kubeconfig is written", process: lab) {
            FileManager.default.fileExists(atPath: kubeconfig.path)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: kubeconfig.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let kubectl = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path]
        let nodes = try await ChildProcess.run(Kubectl.path, kubectl + ["get", "nodes", "-o", "name"], scratch: directory)
        #expect(nodes.status == 0, "\(nodes.stderr)")
        #expect(nodes.stdout.split(separator: "\n").sorted() == ["node/k3s-vm-pumped-piglet-gpu", "node/k3s-vm-pve", "node/k3s-vm-still-fawn"])

        let run = try await ChildProcess.run(
            Kubectl.path, kubectl + ["run", "web", "--image=nginx"], scratch: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let ready = try await ChildProcess.run(
            Kubectl.path, kubectl + ["wait", "--for=condition=Ready", "pod/web", "--timeout=20s"], scratch: directory)
        #expect(ready.stdout == "pod/web condition met\n", "\(ready.stderr)")

        for file in ["ca.crt", "admin.crt", "admin.key", "admin.token"] {
            #expect(FileManager.default.fileExists(atPath: labDirectory.appendingPathComponent("pki/\(file)").path), "\(file)")
        }

        lab.interrupt()
        let status = try await lab.waitForExit()
        #expect(status == 0, "ferry lab up should exit 0 on SIGINT; stderr: \(lab.stderr())")
        #expect(lab.reason == .exit, "ferry lab up should handle SIGINT rather than die of it")
        let output = lab.stdout()
        #expect(output.contains("Lab 'homelab' is up."), "\(output)")
        #expect(output.contains("kubeconfig      \(kubeconfig.path)"), "\(output)")
        #expect(output.contains("Lab stopped."), "\(output)")

        let after = try await ChildProcess.run(
            Kubectl.path, kubectl + ["get", "nodes", "--request-timeout=5s"], scratch: directory)
        #expect(after.status != 0, "the apiserver must be gone after SIGINT")
    }

    @Test("lab up rejects an unknown scenario with a usage error")
    func unknownScenario() async throws {
        let ferry = try FerryBinary.locate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ChildProcess.run(
            ferry.path, ["lab", "up", "--dir", directory.appendingPathComponent("lab").path, "--scenario", "datacenter"],
            scratch: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Unknown scenario 'datacenter'. Choose one of: homelab."), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("lab/kubeconfig").path))
    }
}
