import Foundation
import Testing

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Re-checks `probe` every 50ms until it returns a value, failing after `timeout`
/// with `what` and the last value seen. This waits for a condition; it never
/// asserts on how long something took.
@discardableResult
func eventually<T: Sendable>(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ probe: @Sendable () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if let value = try await probe() { return value }
        if clock.now >= deadline {
            Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
            throw TimedOut(description: "timed out waiting for: \(what)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
