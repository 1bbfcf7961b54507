import Foundation

/// Catches SIGINT and SIGTERM so that a long-running command can stop what it
/// started before exiting. Install it before starting anything: a signal that
/// arrives meanwhile is kept, and `wait()` returns at once.
///
/// ```swift
/// let signals = SignalWaiter.install()
/// let lab = try await scenario.start(directory: dir)
/// await signals.wait()
/// await lab.shutdown()
/// ```
final class SignalWaiter {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    private init(stream: AsyncStream<Int32>, sources: [any DispatchSourceSignal]) {
        self.stream = stream
        self.sources = sources
    }

    /// Stops SIGINT and SIGTERM from ending the process and starts collecting them.
    static func install() -> SignalWaiter {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        return SignalWaiter(stream: stream, sources: sources)
    }

    /// Returns the first signal caught since `install()`. Further signals are
    /// ignored, so a second Ctrl-C does not cut the shutdown short.
    @discardableResult
    func wait() async -> Int32 {
        for await sig in stream { return sig }
        return SIGTERM
    }
}
