import Foundation

/// The lab's one way of running a local program (`git`, `tar`, `ssh-keygen`): argv
/// arrays only, never a shell string; output to temporary files, so there is no
/// pipe to drain and no deadlock; awaited through the termination handler, so no
/// thread blocks while the program runs. (The lab is the other side of the wire, so
/// it does not use the clients' `FerryRemote.ProcessRunner`.)
enum LabProcess {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String

        var succeeded: Bool { status == 0 }
    }

    /// Runs `executable` (a path, or a name looked up on PATH) and returns what it
    /// printed, whatever its exit status; throws only when it cannot be started.
    static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil
    ) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ferry-lab-process-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout")
        let err = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)

        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        let box = ProcessBox(process: process)
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            box.process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try box.process.run()
            } catch {
                box.process.terminationHandler = nil
                continuation.resume(throwing: LabError(description: "could not run \(executable): \(error)"))
            }
        }
        return Result(
            status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// `Process` is not Sendable; this one is only touched to start it and in its handler.
private struct ProcessBox: @unchecked Sendable {
    let process: Process
}
