import FerryTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum Kubectl {
    static let path = "/usr/bin/kubectl"
}

struct SetupFailure: Error, CustomStringConvertible {
    var description: String
}

/// Finds the `ferry` executable built alongside this test bundle (`swift test`
/// builds every product of the package into the same directory).
enum FerryBinary {
    static func locate(filePath: String = #filePath) throws -> URL {
        var candidates: [URL] = []
        for start in [Bundle.main.executableURL, Bundle.main.bundleURL, Bundle.allBundles.first?.bundleURL].compactMap({ $0 }) {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("ferry"))
                directory = directory.deletingLastPathComponent()
            }
        }
        // Tests/EndToEndTests/ThisFile.swift -> package root -> .build/debug/ferry
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates += ["debug", "release"].map { root.appendingPathComponent(".build/\($0)/ferry") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) && !isDirectory($0) }) else {
            throw SetupFailure(description: "the ferry executable was not found next to the tests; run `swift build` first. Looked in: \(candidates.map(\.path))")
        }
        guard FileManager.default.isExecutableFile(atPath: Kubectl.path) else {
            throw SetupFailure(description: "kubectl not found at \(Kubectl.path): install kubectl (see README)")
        }
        return found
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}

/// A child process with its output in files, awaited without blocking a thread.
final class ChildProcess: Sendable {
    let process: TestProcess
    let out: URL
    let err: URL

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private init(_ executable: URL, _ arguments: [String], scratch: URL, environment: [String: String]) throws {
        let id = UUID().uuidString
        out = scratch.appendingPathComponent("\(id).out")
        err = scratch.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        // Help text wraps at COLUMNS; pin it so that expected texts do not depend on the terminal.
        let variables = ProcessInfo.processInfo.environment.merging(["COLUMNS": "80"].merging(environment) { $1 }) { $1 }
        process = try TestProcess(executable.path, arguments, environment: variables, stdout: .file(out), stderr: err)
    }

    static func start(
        _ executable: URL, _ arguments: [String], scratch: URL, environment: [String: String] = [:]
    ) throws -> ChildProcess {
        try ChildProcess(executable, arguments, scratch: scratch, environment: environment)
    }

    static func run(
        _ path: String, _ arguments: [String], scratch: URL, environment: [String: String] = [:]
    ) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SetupFailure(description: path == Kubectl.path ? "kubectl not found at \(path): install kubectl (see README)" : "\(path) not found")
        }
        let child = try start(URL(fileURLWithPath: path), arguments, scratch: scratch, environment: environment)
        let status = await child.waitForExit()
        return Result(status: status, stdout: child.stdout(), stderr: child.stderr())
    }

    /// Polls `condition` every 50ms for up to 20s, failing early if the process exits.
    static func waitUntil(_ what: String, process: ChildProcess, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while !condition() {
            if !process.isRunning {
                throw SetupFailure(description: "the process exited before \(what): \(process.stderr())")
            }
            if ContinuousClock.now >= deadline { throw SetupFailure(description: "timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    var isRunning: Bool { process.isRunning }

    /// The exit status, or 128 + the signal that ended it.
    func waitForExit() async -> Int32 { await process.wait().status }

    /// How it ended (exit or signal), once it has.
    func ending() async -> TestProcess.Ending { await process.wait() }

    func interrupt() { process.signal(SIGINT) }

    func kill() { process.signal(SIGTERM) }

    func stdout() -> String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    func stderr() -> String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
}
