import Foundation
import Synchronization

/// Starts local programs (`ssh`, `git`, credential plugins). A protocol so that
/// tests can stand in for the machine; the real one is `LocalProcessRunner`.
public protocol ProcessRunner: Sendable {
    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments` —
    /// never through a shell — and returns its output once it exits.
    func run(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?,
        workingDirectory: URL?
    ) async throws -> CommandOutput
}

extension ProcessRunner {
    public func run(_ executable: String, _ arguments: [String]) async throws -> CommandOutput {
        try await run(executable, arguments, environment: [:], stdin: nil, workingDirectory: nil)
    }
}

/// Foundation's `Process`, with output drained while the program runs so that a
/// chatty program never blocks on a full pipe.
/// One launch at a time in this process: Foundation's `Process.run()` was seen to
/// crash (a memmove inside it) while many threads launched programs at once.
private let launchLock = Mutex(())

public struct LocalProcessRunner: ProcessRunner {
    public init() {}

    public func run(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?,
        workingDirectory: URL?
    ) async throws -> CommandOutput {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let collected = OutputCollector()
        out.fileHandleForReading.readabilityHandler = { collected.append(out: $0.availableData) }
        err.fileHandleForReading.readabilityHandler = { collected.append(err: $0.availableData) }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try launchLock.withLock { _ in try process.run() }
            } catch {
                continuation.resume(throwing: ProcessLaunchError(executable: executable, reason: error.localizedDescription))
                return
            }
            if let stdin {
                input.fileHandleForWriting.write(stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        collected.append(out: out.fileHandleForReading.readDataToEndOfFile())
        collected.append(err: err.fileHandleForReading.readDataToEndOfFile())
        let (stdout, stderr) = collected.result
        return CommandOutput(stdout: stdout, stderr: stderr, exitCode: status)
    }
}

/// A program that could not be started at all (not installed, not executable).
public struct ProcessLaunchError: Error, Sendable, CustomStringConvertible {
    public var executable: String
    public var reason: String
    public var description: String { "cannot run \(executable): \(reason)" }
}

/// Output gathered by Foundation's readability handlers, which run on their own threads.
private final class OutputCollector: Sendable {
    private let state = Mutex<(out: Data, err: Data)>((Data(), Data()))

    func append(out data: Data) { state.withLock { $0.out.append(data) } }
    func append(err data: Data) { state.withLock { $0.err.append(data) } }
    var result: (Data, Data) { state.withLock { ($0.out, $0.err) } }
}
