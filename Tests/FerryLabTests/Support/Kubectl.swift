import FerryJSON
import FerryTestSupport
import Foundation
import Testing

/// What one kubectl run printed and how it ended.
struct KubectlResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String

    var succeeded: Bool { status == 0 }

    var description: String {
        "kubectl \(arguments.joined(separator: " ")) -> exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

struct KubectlMissing: Error, CustomStringConvertible {
    var description: String { "kubectl not found at \(Kubectl.path): install kubectl (see README)" }
}

/// The real kubectl, pointed at one lab: `--kubeconfig` is the lab's, and the
/// discovery cache lives inside the lab's directory so labs never share it.
///
/// Processes are awaited without blocking a task's thread (`TestProcess`): the
/// apiserver they talk to runs in this same process.
struct Kubectl: Sendable {
    static let path = "/usr/bin/kubectl"

    let kubeconfig: URL
    /// Where output files, manifests and the cache go.
    let scratch: URL

    var baseArguments: [String] {
        ["--kubeconfig", kubeconfig.path, "--cache-dir", scratch.appendingPathComponent("kube-cache").path]
    }

    /// Runs `kubectl ARGS` to completion.
    func run(_ arguments: String...) async throws -> KubectlResult {
        try await run(arguments)
    }

    func run(_ arguments: [String], withCredentials: Bool = true) async throws -> KubectlResult {
        let process = try start(withCredentials ? baseArguments + arguments : arguments)
        let ending = await process.process.wait()
        return KubectlResult(arguments: arguments, status: ending.status, stdout: process.stdout(), stderr: process.stderr())
    }

    /// Runs and requires success, recording the output as the failure otherwise.
    @discardableResult
    func succeed(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await succeed(arguments, sourceLocation: sourceLocation)
    }

    @discardableResult
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments)
        try #require(result.succeeded, "\(result)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// `kubectl ARGS -o json`, parsed.
    func json(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let result = try await run(arguments + ["-o", "json"])
        try #require(result.succeeded, "\(result)", sourceLocation: sourceLocation)
        return try JSON.parse(Data(result.stdout.utf8))
    }

    /// `kubectl apply -f` of a manifest written to a file first.
    @discardableResult
    func apply(_ manifest: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let file = scratch.appendingPathComponent("manifest-\(UUID().uuidString).yaml")
        try Data(manifest.utf8).write(to: file)
        let result = try await run(["apply", "-f", file.path])
        try #require(result.succeeded, "\(result)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a long-running kubectl (`get -w`, `logs -f`) while `body` reads its output,
    /// then stops it and waits for it to exit, so that no client is left connecting
    /// when the lab shuts down.
    func watching<T: Sendable>(_ arguments: String..., body: (KubectlStream) async throws -> T) async throws -> T {
        let running = try start(baseArguments + arguments)
        let stream = KubectlStream(running: running)
        do {
            let result = try await body(stream)
            await stream.stop()
            return result
        } catch {
            await stream.stop()
            throw error
        }
    }

    fileprivate func start(_ arguments: [String]) throws -> RunningProcess {
        guard FileManager.default.isExecutableFile(atPath: Self.path) else { throw KubectlMissing() }
        let id = UUID().uuidString
        let out = scratch.appendingPathComponent("kubectl-\(id).out")
        let err = scratch.appendingPathComponent("kubectl-\(id).err")
        let process = try TestProcess(Self.path, arguments, stdout: .file(out), stderr: err)
        return RunningProcess(process: process, out: out, err: err)
    }
}

/// A kubectl process with its output going to files (no pipe to drain, no deadlock).
struct RunningProcess: Sendable {
    let process: TestProcess
    let out: URL
    let err: URL

    func stdout() -> String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    func stderr() -> String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
}

/// A kubectl that keeps running, e.g. `get -w`: read what it printed so far, wait
/// for something to appear, stop it.
struct KubectlStream: Sendable {
    let running: RunningProcess

    var output: String { running.stdout() }

    /// Waits until the output satisfies `condition`, and returns it.
    @discardableResult
    func waitForOutput(
        _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        try await eventually(what, timeout: timeout, sourceLocation: sourceLocation) {
            let text = output
            if condition(text) { return text }
            if !running.process.isRunning {
                throw TimedOut(description: "kubectl exited before \(what): \(running.stderr())")
            }
            return nil
        }
    }

    func stop() async {
        running.process.signal(SIGTERM)
        _ = await running.process.wait()
    }
}
