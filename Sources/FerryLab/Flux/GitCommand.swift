import Foundation

/// Runs the real `git` binary: argv arrays only (never a shell string), output to
/// temporary files (no pipe to drain, no deadlock), awaited through the process's
/// termination handler so no thread blocks while git runs.
///
/// ```swift
/// let head = try await GitCommand.run(["ls-remote", url, "refs/heads/main"]).stdout
/// ```
struct GitCommand: Sendable {
    /// What one git run printed and how it ended.
    struct Result: Sendable {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        var succeeded: Bool { status == 0 }

        /// stderr without git's `fatal: ` / `error: ` prefixes, on one line.
        var message: String {
            stderr.split(separator: "\n").map { line in
                var text = String(line)
                for prefix in ["fatal: ", "error: "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
                return text.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }.joined(separator: "; ")
        }
    }

    static let executable = "/usr/bin/git"

    /// Runs `git ARGS` in `directory` and returns whatever it printed, successful or not.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ferry-git-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout")
        let err = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = environment
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
            arguments: arguments, status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs `git ARGS` and returns its stdout, or throws with git's own message.
    @discardableResult
    static func succeed(_ arguments: [String], in directory: URL? = nil) async throws -> String {
        let result = try await run(arguments, in: directory)
        guard result.succeeded else {
            throw LabError(description: "git \(arguments.joined(separator: " ")) failed: \(result.message)")
        }
        return result.stdout
    }

    /// The caller's environment without anything that would point git elsewhere,
    /// in the C locale so messages read the same everywhere, never prompting.
    private static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CEILING_DIRECTORIES"] {
            environment.removeValue(forKey: key)
        }
        environment["LC_ALL"] = "C"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        return environment
    }()
}

/// `Process` is not Sendable; this one is only touched to start it and in its handler.
private struct ProcessBox: @unchecked Sendable {
    let process: Process
}
