import FerryRemote
import Synchronization
import Testing

/// What a caller of an idempotent request sees: a passing failure costs nothing, a
/// lasting one comes back as it was, a permanent one is not repeated.
struct RetryTests {
    struct Failure: Error, Equatable {
        var transient: Bool
    }

    @Test("two transient failures, then success: the success; a permanent failure: thrown after one try; a lasting one: after four")
    func retries() async throws {
        let tries = Mutex(0)
        let value = try await Retry.idempotent(transient: { (error: Failure) in error.transient }) { () async throws(Failure) -> Int in
            let n = tries.withLock { $0 += 1; return $0 }
            if n < 3 { throw Failure(transient: true) }
            return 42
        }
        #expect(value == 42)
        #expect(tries.withLock { $0 } == 3)

        tries.withLock { $0 = 0 }
        await #expect(throws: Failure(transient: false)) {
            try await Retry.idempotent(transient: { (error: Failure) in error.transient }) { () async throws(Failure) -> Int in
                tries.withLock { $0 += 1 }
                throw Failure(transient: false)
            }
        }
        #expect(tries.withLock { $0 } == 1)

        tries.withLock { $0 = 0 }
        await #expect(throws: Failure(transient: true)) {
            try await Retry.idempotent(attempts: 4, cap: .milliseconds(1), transient: { (error: Failure) in error.transient }) {
                () async throws(Failure) -> Int in
                tries.withLock { $0 += 1 }
                throw Failure(transient: true)
            }
        }
        #expect(tries.withLock { $0 } == 4)
    }

    @Test("a cancelled task does not wait to try again")
    func cancelled() async throws {
        let tries = Mutex(0)
        let task = Task {
            try await Retry.idempotent(attempts: 100, transient: { (error: Failure) in error.transient }) { () async throws(Failure) -> Int in
                tries.withLock { $0 += 1 }
                withUnsafeCurrentTask { $0?.cancel() }
                throw Failure(transient: true)
            }
        }
        await #expect(throws: Failure(transient: true)) { try await task.value }
        #expect(tries.withLock { $0 } == 1)
    }
}
