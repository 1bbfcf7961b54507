import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
/// Starts programs with `posix_spawn`, drains their output on threads of their own
/// (a chatty program never blocks on a full pipe) and waits for them without
/// blocking a task. Not Foundation's `Process`: with more than about a thousand
/// descriptors open in the process, its `run()` crashes in a memmove (seen in the
/// test suite, which runs many labs at once).
public struct LocalProcessRunner: ProcessRunner {
    public init() {}

    public func run(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?,
        workingDirectory: URL?
    ) async throws -> CommandOutput {
        var argv = ["/usr/bin/env"]
        if let workingDirectory { argv += ["-C", workingDirectory.path] }
        argv += [executable] + arguments
        let variables = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // A program that does not exist ends with env's exit 127 and its message, as
        // a shell reports it.
        return try await Spawned.start(argv, environment: variables, stdin: stdin).wait()
    }
}

/// One started program: its pipes and its pid.
private struct Spawned: Sendable {
    let pid: pid_t
    let out: Int32
    let err: Int32
    let input: Int32?
    let stdin: Data?

    static func start(_ argv: [String], environment: [String: String], stdin: Data?) throws -> Spawned {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe), makePipe(&errPipe), stdin == nil || makePipe(&inPipe) else {
            for fd in outPipe + errPipe + inPipe where fd >= 0 { close(fd) }
            throw ProcessLaunchError(executable: argv.last ?? "", reason: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin == nil {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal dispositions and no blocked signals,
        // whatever the parent (which may ignore SIGPIPE or SIGINT) has.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cArgv + cEnv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        if stdin != nil { close(inPipe[0]) }
        guard status == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            if stdin != nil { close(inPipe[1]) }
            throw ProcessLaunchError(executable: argv.last ?? "", reason: String(cString: strerror(status)))
        }
        return Spawned(pid: pid, out: outPipe[0], err: errPipe[0], input: stdin == nil ? nil : inPipe[1], stdin: stdin)
    }

    /// Pipes that no other child inherits (every end is close-on-exec; posix_spawn's
    /// dup2 onto 0-2 clears the flag for the child's copy).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    func wait() async -> CommandOutput {
        async let stdout = Self.readAll(out)
        async let stderr = Self.readAll(err)
        if let input, let stdin { await Self.writeAll(stdin, to: input) }
        let code = await Self.reap(pid)
        return CommandOutput(stdout: await stdout, stderr: await stderr, exitCode: code)
    }

    private static func readAll(_ fd: Int32) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = Data()
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n > 0 { data.append(contentsOf: buffer[0..<n]); continue }
                    if n < 0, errno == EINTR { continue }
                    break
                }
                close(fd)
                continuation.resume(returning: data)
            }
        }
    }

    private static func writeAll(_ data: Data, to fd: Int32) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                // A program that exits without reading all its input must not kill
                // ferry with SIGPIPE: block it on this thread, so write says EPIPE.
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                data.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                        if n > 0 { offset += n; continue }
                        if n < 0, errno == EINTR { continue }
                        break  // the program closed its stdin: the rest is not wanted
                    }
                }
                close(fd)
                continuation.resume()
            }
        }
    }

    /// The exit status, or 128 + the signal that ended it, as a shell reports it.
    private static func reap(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                let exited = status & 0x7f == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
    }
}

/// A program that could not be started at all (not installed, not executable).
public struct ProcessLaunchError: Error, Sendable, CustomStringConvertible {
    public var executable: String
    public var reason: String
    public var description: String { "cannot run \(executable): \(reason)" }
}
