import Foundation
import Testing

/// A `ferry lab up --dir DIR` started by a test in its own temporary directory:
/// ready once it has printed its summary, always stopped with SIGINT and awaited.
///
/// ```swift
/// try await RunningLab.with { lab in
///     let result = try await lab.ferry(["lab", "status", "--dir", lab.directory.path])
/// }
/// ```
final class RunningLab: Sendable {
    let ferry: URL
    /// The test's scratch directory (outputs, caches, clones).
    let scratch: URL
    /// `--dir`
    let directory: URL
    let process: ChildProcess
    /// From starting the process to its summary being printed.
    let readyAfter: Duration

    private init(ferry: URL, scratch: URL, directory: URL, process: ChildProcess, readyAfter: Duration) {
        self.ferry = ferry
        self.scratch = scratch
        self.directory = directory
        self.process = process
        self.readyAfter = readyAfter
    }

    /// Starts a lab, runs `body` with it, then stops it (SIGINT, waiting for the exit)
    /// and removes the scratch directory, whether `body` threw or not.
    static func with<T>(
        _ arguments: [String] = [], _ body: (RunningLab) async throws -> T
    ) async throws -> T {
        let ferry = try FerryBinary.locate()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = scratch.appendingPathComponent("lab")
        let clock = ContinuousClock()
        let began = clock.now
        let process = try ChildProcess.start(ferry, ["lab", "up", "--dir", directory.path] + arguments, scratch: scratch)
        let lab: RunningLab
        do {
            try await ChildProcess.waitUntil("ferry lab up printed its summary", process: process) {
                process.stdout().contains("Stop with Ctrl-C")
            }
            lab = RunningLab(
                ferry: ferry, scratch: scratch, directory: directory, process: process, readyAfter: began.duration(to: clock.now))
        } catch {
            process.interrupt()
            _ = await process.waitForExit()
            throw error
        }
        do {
            let result = try await body(lab)
            try await lab.stop()
            return result
        } catch {
            _ = try? await lab.stop()
            throw error
        }
    }

    /// SIGINT, then waits for the process to exit; checks that it exited 0 on its own.
    @discardableResult
    func stop() async throws -> Int32 {
        if process.isRunning { process.interrupt() }
        let ending = await process.ending()
        #expect(ending == .exited(0), "ferry lab up should handle SIGINT and exit 0, not die of it; stderr: \(process.stderr())")
        return ending.status
    }

    /// Runs the built `ferry` with `arguments`.
    func ferry(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(ferry.path, arguments, scratch: scratch)
    }

    /// Runs a command line in bash, in the scratch directory, with /usr/bin first on the PATH.
    func shell(_ commandLine: String, environment: [String: String] = [:]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            "/bin/bash", ["-c", "cd \(scratch.path) && " + commandLine], scratch: scratch,
            environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
    }

    /// `DIR/NAME`
    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The SSH port the summary lists for `name` (0 when it lists none).
    func sshPort(_ name: String) -> Int {
        for line in process.stdout().split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.first.map(String.init) == name, let address = words.dropFirst().first, address.hasPrefix("127.0.0.1:") {
                return Int(address.dropFirst("127.0.0.1:".count)) ?? 0
            }
        }
        return 0
    }

    /// The lines of the summary's "Use it:" section, without their indentation.
    var usageLines: [String] {
        let lines = process.stdout().components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "Use it:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The first "Use it:" line that starts with `prefix`.
    func usageLine(_ prefix: String) throws -> String {
        guard let line = usageLines.first(where: { $0.hasPrefix(prefix) }) else {
            throw SetupFailure(description: "ferry lab up printed no '\(prefix)...' line:\n\(process.stdout())")
        }
        return line
    }
}
