import Foundation
import Testing

/// The shell completions' own answers (`ferry ---completion`, as the scripts from
/// `ferry --generate-completion-script` ask them): the kubeconfig's contexts, and the
/// nodes and workloads of the cluster the command line names.
@Suite("shell completions")
struct CompletionTests {
    /// What the completion script gets for the last word of `words` (typed so far: `prefix`).
    static func complete(_ lab: RunningLab?, _ flag: String, _ words: [String], prefix: String = "") async throws -> [String] {
        let arguments = ["---completion", "plan", "--", flag, String(words.count), String(prefix.count), "ferry"] + words + [prefix]
        let result: ChildProcess.Result
        if let lab {
            result = try await lab.ferry(arguments)
        } else {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-completion-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            result = try await ChildProcess.run(try FerryBinary.locate().path, arguments, scratch: scratch)
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "a completion prints no error: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test("--to completes the cluster's nodes, the workload argument NAMESPACE/NAME, --context the kubeconfig's contexts")
    func fromTheCluster() async throws {
        try await RunningLab.with { lab in
            let kubeconfig = ["plan", "--kubeconfig", lab.file("kubeconfig").path]
            let nodes = try await Self.complete(lab, "--to", kubeconfig + ["--to"])
            let still = try await Self.complete(lab, "--to", kubeconfig + ["--to"], prefix: "k3s-vm-s")
            let workloads = try await Self.complete(lab, "positional@0", kubeconfig, prefix: "frig")
            let contexts = try await Self.complete(lab, "--context", kubeconfig + ["--context"])
            #expect(nodes == ["k3s-vm-pumped-piglet-gpu", "k3s-vm-pve", "k3s-vm-still-fawn"])
            #expect(still == ["k3s-vm-still-fawn"])
            #expect(workloads == ["frigate/frigate"])
            #expect(contexts.count == 1)
        }
    }

    @Test("a cluster that does not answer completes nothing, and says nothing")
    func unreachable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-completion-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig")
        try Data("""
            apiVersion: v1
            kind: Config
            clusters: [{name: home, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: me, user: {token: abc}}]
            contexts: [{name: homelab, context: {cluster: home, user: me}}, {name: lab, context: {cluster: home, user: me}}]
            current-context: homelab

            """.utf8).write(to: kubeconfig)
        let words = ["plan", "--kubeconfig", kubeconfig.path]
        let nodes = try await Self.complete(nil, "--to", words + ["--to"])
        let contexts = try await Self.complete(nil, "--context", words + ["--context"])
        let some = try await Self.complete(nil, "--context", words + ["--context"], prefix: "l")
        #expect(nodes.isEmpty)
        #expect(contexts == ["homelab", "lab"])
        #expect(some == ["lab"])
    }
}
