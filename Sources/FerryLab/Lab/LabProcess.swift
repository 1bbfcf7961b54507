import Foundation

/// The lab's one way of running a local program (`git`, `tar`, `ssh-keygen`): argv
/// arrays only, never a shell string; output to temporary files, so there is no
/// pipe to drain and no deadlock; awaited through the termination handler, so no
/// thread blocks while the program runs. (The lab is the other side of the wire, so
/// it does not use the clients' `FerryRemote.ProcessRunner`.)
enum LabProcess {
    /// One launch at a time in this process. Under load (many labs in one test
    /// process), Foundation's `Process.run()` was seen to crash in a memmove while
    /// other threads launched programs; launching is quick, so serializing it costs
    /// nothing that matters.
    private static let launchLock = Mutex(())

    static func launching<T>(_ body: () throws -> T) rethrows -> T {
        try launchLock.withLock { _ in try body() }
    }

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

        // posix_spawn rather than Foundation's Process: with thousands of descriptors
        // open (many labs in one test process), Process.run() crashed in a memmove.
        var argv = ["/usr/bin/env"]
        if let directory { argv += ["-C", directory.path] }
        argv += [executable] + arguments
        let variables = environment ?? ProcessInfo.processInfo.environment
        let status = try await spawnAndWait(argv, environment: variables, stdout: out.path, stderr: err.path)
        return Result(
            status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}



// MARK: Long-running children

#if os(Linux)
import Glibc
import Synchronization

extension LabProcess {
    /// How a child ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The shell's convention, which the kubelet also reports: 128 + signal.
        var code: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }
    }

    /// Runs argv[0] (an absolute path) with stdin from /dev/null and stdout, stderr
    /// into files; waits for it on a thread of its own, so no task blocks.
    static func spawnAndWait(_ argv: [String], environment: [String: String], stdout: String, stderr: String) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_TRUNC, 0o600)
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
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cArgv + cEnv { free(pointer) } }
        var pid: pid_t = 0
        let status = launching {
            // Most of the lab's descriptors are close-on-exec; close the rest in the child.
            for descriptor in openDescriptors() where descriptor > 2 && fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
            return posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        }
        guard status == 0 else { throw LabError(description: "could not run \(argv.dropFirst().joined(separator: " ")): \(String(cString: strerror(status)))") }
        let child = pid
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var code: Int32 = 0
                while waitpid(child, &code, 0) < 0, errno == EINTR {}
                // WIFEXITED / WEXITSTATUS, else 128 + the signal, as a shell reports it.
                let exited = code & 0x7f == 0
                continuation.resume(returning: exited ? (code >> 8) & 0xff : 128 + (code & 0x7f))
            }
        }
    }

    /// Starts `executable` (an absolute path) as a long-running child: in a process
    /// group of its own (so that a signal reaches everything it started), with the
    /// default signal dispositions (the lab ignores SIGPIPE; a `tar | ...` pipeline
    /// must not), stdin from /dev/null, stdout and stderr into one stream (the order
    /// it wrote them in, as a container's log has them), exactly `environment`, and
    /// no other descriptor of the lab's but, with `control`, a pipe on fd 3 that the
    /// child can report on before it closes it.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], control: Bool = false
    ) throws -> Child {
        var output: [Int32] = [-1, -1]
        var report: [Int32] = [-1, -1]
        guard makePipe(&output) else { throw LabError(description: "could not run \(executable): pipe: \(errnoText())") }
        if control, !makePipe(&report) {
            close(output[0])
            close(output[1])
            throw LabError(description: "could not run \(executable): pipe: \(errnoText())")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        if control { posix_spawn_file_actions_adddup2(&actions, report[1], 3) }
        // No closefrom in Swift's Glibc: close what is open now (most of the lab's
        // descriptors are close-on-exec anyway).
        let own = Set(output + report)
        for descriptor in openDescriptors() where descriptor > (control ? 3 : 2) && !own.contains(descriptor) {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        for descriptor in own where descriptor > 3 { posix_spawn_file_actions_addclose(&actions, descriptor) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = launching { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        close(output[1])
        if control { close(report[1]) }
        guard status == 0 else {
            close(output[0])
            if control { close(report[0]) }
            throw LabError(description: "could not run \(executable): \(String(cString: strerror(status)))")
        }
        return Child(pid: pid, output: output[0], control: control ? report[0] : nil)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// A pipe whose ends are not inherited by other children (pipe2 is not in Swift's Glibc).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// A running child (see `spawn`). Its process group does not outlive it: when it
    /// exits, whatever it left running in its group is killed, as a container's
    /// processes do not outlive its main process.
    final class Child: Sendable {
        let pid: pid_t
        /// What it prints, line by line (lines over 16 KiB are split, as containerd
        /// splits them). Ends when every writer has closed the stream, or shortly
        /// after the child exited if something that left its group still holds it.
        let output: AsyncStream<String>

        private struct State {
            var reaped = false
            var ended: Termination?
            var endedAt: ContinuousClock.Instant?
            var waiters: [CheckedContinuation<Termination, Never>] = []
            var report: String?
            var reportWaiters: [CheckedContinuation<String, Never>] = []
        }

        private let state = Mutex(State())

        fileprivate init(pid: pid_t, output: Int32, control: Int32?) {
            self.pid = pid
            let (stream, continuation) = AsyncStream.makeStream(of: String.self)
            self.output = stream
            if let control {
                Thread.detachNewThread { [self] in
                    var text: [UInt8] = []
                    readUntilClosed(control) { text += $0 }
                    let report = String(decoding: text, as: UTF8.self)
                    let waiters = state.withLock { state in
                        state.report = report
                        defer { state.reportWaiters = [] }
                        return state.reportWaiters
                    }
                    for waiter in waiters { waiter.resume(returning: report) }
                }
            } else {
                state.withLock { $0.report = "" }
            }
            Thread.detachNewThread { [self] in
                var pending: [UInt8] = []
                readUntilClosed(output) { chunk in
                    pending += chunk
                    while let newline = pending.firstIndex(of: 10) ?? (pending.count >= 16_384 ? 16_384 : nil) {
                        continuation.yield(String(decoding: pending[..<newline], as: UTF8.self))
                        pending.removeFirst(min(newline + 1, pending.count))
                    }
                }
                if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
                continuation.finish()
            }
            Thread.detachNewThread { [self] in waitForExit() }
        }

        /// Sends `signal` to the child's process group, unless the child has been
        /// reaped (its pid may then belong to another process).
        func signal(_ signal: Int32) {
            state.withLock { state in
                if !state.reaped { _ = killpg(pid, signal) }
            }
        }

        /// How it ended, once it has.
        func termination() async -> Termination {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state in
                    if state.ended == nil { state.waiters.append(continuation) }
                    return state.ended
                }
                if let ended { continuation.resume(returning: ended) }
            }
        }

        /// Everything it wrote on fd 3, once it (and every process it gave fd 3 to) closed it.
        func report() async -> String {
            await withCheckedContinuation { continuation in
                let report = state.withLock { state in
                    if state.report == nil { state.reportWaiters.append(continuation) }
                    return state.report
                }
                if let report { continuation.resume(returning: report) }
            }
        }

        private func waitForExit() {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
            // Still a zombie, so its pid (and group id) cannot be reused yet.
            _ = killpg(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            let ended: Termination = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            let waiters = state.withLock { state in
                state.reaped = true
                state.ended = ended
                state.endedAt = .now
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: ended) }
        }

        /// Reads `descriptor` until end of file, or until two seconds after the child
        /// exited (a process that left the group may keep the pipe open forever),
        /// then closes it.
        private func readUntilClosed(_ descriptor: Int32, _ chunk: ([UInt8]) -> Void) {
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, 200)
                if ready < 0, errno != EINTR { return }
                if ready <= 0 {
                    let endedAt = state.withLock { $0.endedAt }
                    if let endedAt, ContinuousClock.now - endedAt > .seconds(2) { return }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return }
                chunk(Array(buffer[..<count]))
            }
        }
    }
}
#endif
