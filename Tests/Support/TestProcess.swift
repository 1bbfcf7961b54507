import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts (kubectl, ssh, git, the built ferry), with posix_spawn and
/// one thread that waits for it.
///
/// Not Foundation's `Process`: it learns of a child's exit through a select()-based
/// socket manager, and select() cannot watch descriptors past 1024. With many labs in
/// one test process (thousands of descriptors open) a child's exit went unnoticed, its
/// zombie was never reaped, and the suite hung; its `run()` also crashed in a memmove.
public final class TestProcess: Sendable {
    public enum Input: Sendable {
        /// /dev/null
        case none
        case file(URL)
        /// A pipe ferry never writes to and keeps open until the program ends (so it
        /// sees no end of file, as an interactive stdin).
        case openPipe
    }

    public enum Output: Sendable {
        case file(URL)
        /// A pipe; `outputDescriptor` is its read end, for the caller to read and close.
        case pipe
    }

    /// How it ended: the exit status, or the signal that killed it.
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// As a shell reports it: the exit status, or 128 + the signal.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }
    }

    public let pid: pid_t
    /// The read end of stdout when it is `.pipe`.
    public let outputDescriptor: Int32?
    private let state = Mutex<(ending: Ending?, waiters: [CheckedContinuation<Ending, Never>])>((nil, []))

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        stdin: Input = .none, stdout: Output, stderr: URL
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var keepOpen: Int32 = -1
        var stdinRead: Int32 = -1
        switch stdin {
        case .none: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let url): posix_spawn_file_actions_addopen(&actions, 0, url.path, O_RDONLY, 0)
        case .openPipe:
            (stdinRead, keepOpen) = try Self.pipeEnds(for: executable)
            posix_spawn_file_actions_adddup2(&actions, stdinRead, 0)
        }
        var readEnd: Int32?
        var writeEnd: Int32 = -1
        switch stdout {
        case .file(let url): posix_spawn_file_actions_addopen(&actions, 1, url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        case .pipe:
            let ends = try Self.pipeEnds(for: executable)
            posix_spawn_file_actions_adddup2(&actions, ends.write, 1)
            (readEnd, writeEnd) = (ends.read, ends.write)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of this process's: a lab's pod pipe inherited by a long-lived
        // child (a `ferry lab up`) would never see its end of file. (Foundation's Process
        // closed them too; Swift's Glibc has no closefrom.)
        for descriptor in Self.openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawnp(&child, executable, &actions, &attributes, argv, envp)
        if writeEnd >= 0 { close(writeEnd) }
        if stdinRead >= 0 { close(stdinRead) }
        guard status == 0 else {
            if let readEnd { close(readEnd) }
            if keepOpen >= 0 { close(keepOpen) }
            throw Self.failure(executable, String(cString: strerror(status)))
        }
        pid = child
        outputDescriptor = readEnd
        let spawned = child
        let stdinWriter = keepOpen
        Thread.detachNewThread { [self] in
            var raw: Int32 = 0
            while waitpid(spawned, &raw, 0) < 0, errno == EINTR {}
            if stdinWriter >= 0 { close(stdinWriter) }
            let ending: Ending = raw & 0x7f == 0 ? .exited((raw >> 8) & 0xff) : .signaled(raw & 0x7f)
            let waiters = state.withLock { state in
                state.ending = ending
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: ending) }
        }
    }

    public var isRunning: Bool { state.withLock { $0.ending == nil } }

    /// How it ended, once it has.
    public func wait() async -> Ending {
        await withCheckedContinuation { continuation in
            let ending = state.withLock { state in
                if state.ending == nil { state.waiters.append(continuation) }
                return state.ending
            }
            if let ending { continuation.resume(returning: ending) }
        }
    }

    /// Sends `signal`, unless it has ended (its pid may then be another process's).
    public func signal(_ signal: Int32) {
        state.withLock { state in
            if state.ending == nil { _ = kill(pid, signal) }
        }
    }

    /// Runs to completion with output in files under `scratch`; returns the status and what it printed.
    public static func run(
        _ executable: String, _ arguments: [String], scratch: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment, stdin: Input = .none
    ) async throws -> (status: Int32, stdout: Data, stderr: String) {
        let id = UUID().uuidString
        let out = scratch.appendingPathComponent("process-\(id).out")
        let err = scratch.appendingPathComponent("process-\(id).err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = try TestProcess(executable, arguments, environment: environment, stdin: stdin, stdout: .file(out), stderr: err)
        let ending = await process.wait()
        return (ending.status, (try? Data(contentsOf: out)) ?? Data(), (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// A pipe whose ends no other child inherits (posix_spawn's dup2 clears the flag on the child's copy).
    private static func pipeEnds(for executable: String) throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw failure(executable, "pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    private static func failure(_ executable: String, _ reason: String) -> any Error {
        NSError(domain: "TestProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(reason)"])
    }
}
