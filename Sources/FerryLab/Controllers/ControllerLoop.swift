import Foundation

/// A level-triggered controller: it looks at the whole store and makes one round of
/// changes toward the desired state. The lab is small, so reconciling everything on
/// every change is cheap and avoids the bookkeeping of per-object work queues.
protocol Controller: Sendable {
    func reconcile() async
}

/// Runs controllers whenever the store changes (changes that arrive while a round
/// runs are coalesced into one more round) and when a controller asks to be woken
/// later (a container that starts after a delay, a back-off that expires).
final class ControllerLoop: Sendable {
    private let signal: AsyncStream<Void>.Continuation
    private let signals: AsyncStream<Void>

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for another round now.
    func poke() {
        signal.yield()
    }

    /// Asks for another round after `delay`.
    func wake(after delay: Duration) {
        // A wake-up that fires after the loop ended yields into a finished stream: a no-op.
        Task { [signal] in
            try? await Task.sleep(for: delay)
            signal.yield()
        }
    }

    func run(store: ObjectStore, controllers: [any Controller]) async {
        guard let events = try? await store.watch(kind: nil, namespace: nil, since: nil, initialState: false) else { return }
        let forward = Task { [signal] in
            // Events are written by the controllers themselves and drive nothing;
            // reacting to them would turn every recorded warning into another round.
            for await event in events where event.key.kind != ResourceCatalog.events { signal.yield() }
        }
        defer { forward.cancel() }
        signal.yield()
        for await _ in signals {
            if Task.isCancelled { break }
            for controller in controllers { await controller.reconcile() }
        }
    }
}
