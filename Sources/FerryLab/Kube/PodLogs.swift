import Foundation

/// What each container printed, kept per pod so that `kubectl logs` (with
/// `--previous`, `--tail`, `-f`) reads what the lab's kubelet wrote.
public actor PodLogs {
    struct Stream {
        var current: [String] = []
        var previous: [String] = []
        var followers: [UUID: AsyncStream<String>.Continuation] = [:]
    }

    private var streams: [String: Stream] = [:]

    public init() {}

    private static func slot(_ namespace: String, _ pod: String, _ container: String) -> String {
        "\(namespace)/\(pod)/\(container)"
    }

    public func append(_ line: String, namespace: String, pod: String, container: String) {
        let slot = Self.slot(namespace, pod, container)
        streams[slot, default: Stream()].current.append(line)
        for follower in streams[slot]!.followers.values { follower.yield(line) }
    }

    /// A container restarted: what it printed becomes `--previous`.
    public func restart(namespace: String, pod: String, container: String) {
        let slot = Self.slot(namespace, pod, container)
        streams[slot, default: Stream()].previous = streams[slot]?.current ?? []
        streams[slot]?.current = []
    }

    public func lines(namespace: String, pod: String, container: String, previous: Bool, tail: Int?) -> [String]? {
        guard let stream = streams[Self.slot(namespace, pod, container)] else { return nil }
        let lines = previous ? stream.previous : stream.current
        guard let tail, tail >= 0 else { return lines }
        return Array(lines.suffix(tail))
    }

    /// New lines as they are written, for `kubectl logs -f`; ends when the pod is forgotten.
    public func follow(namespace: String, pod: String, container: String) -> AsyncStream<String> {
        let slot = Self.slot(namespace, pod, container)
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let id = UUID()
        streams[slot, default: Stream()].followers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unfollow(slot, id) } }
        return stream
    }

    private func unfollow(_ slot: String, _ id: UUID) {
        streams[slot]?.followers.removeValue(forKey: id)
    }

    public func forget(namespace: String, pod: String) {
        let prefix = "\(namespace)/\(pod)/"
        for slot in streams.keys where slot.hasPrefix(prefix) {
            for follower in streams[slot]!.followers.values { follower.finish() }
            streams.removeValue(forKey: slot)
        }
    }
}
