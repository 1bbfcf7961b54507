import Synchronization

/// Gives a check its own deadline without waiting for it to notice: a check that
/// runs `ssh` or `git` cannot be cancelled half-way, and one slow endpoint must not
/// hold the whole report back. The late check is abandoned (its process ends on its
/// own or with ferry); its result is replaced by one that says it timed out.
enum PreflightDeadline {
    static func run<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let once = Once<T?>()
        return await withCheckedContinuation { continuation in
            once.arm(continuation)
            let work = Task {
                let value = await operation()
                once.resume(value)
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if once.resume(nil) { work.cancel() }
            }
            once.onResume { timer.cancel() }
        }
    }

    /// A continuation resumed by whichever side finishes first.
    private final class Once<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, Never>?
            var resumed = false
            var cleanup: (@Sendable () -> Void)?
        }

        private let state = Mutex(State())

        func arm(_ continuation: CheckedContinuation<T, Never>) {
            state.withLock { $0.continuation = continuation }
        }

        /// Runs `cleanup` once the continuation is resumed (at once if it already is).
        func onResume(_ cleanup: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state -> Bool in
                if state.resumed { return true }
                state.cleanup = cleanup
                return false
            }
            if runNow { cleanup() }
        }

        /// Resumes with `value` unless the other side did first; says whether this call won.
        @discardableResult
        func resume(_ value: T) -> Bool {
            let taken = state.withLock { state -> (CheckedContinuation<T, Never>, (@Sendable () -> Void)?)? in
                guard !state.resumed, let continuation = state.continuation else { return nil }
                state.resumed = true
                state.continuation = nil
                defer { state.cleanup = nil }
                return (continuation, state.cleanup)
            }
            guard let (continuation, cleanup) = taken else { return false }
            continuation.resume(returning: value)
            cleanup?()
            return true
        }
    }
}
