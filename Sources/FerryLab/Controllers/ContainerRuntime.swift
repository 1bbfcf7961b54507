import Foundation
import FerryJSON

/// What a container does when the lab's kubelet starts it. Runtimes are asked in
/// order and the first that knows the container answers: first the one for an image
/// that cannot be pulled (`ImagePullRuntime`), then the hardware-aware ones that
/// simulate an image (Frigate and its TPU), then the one that runs a
/// container's command as a real process of this machine, and last the one for a
/// container without a command, whose image's own program the lab does not have.
public protocol ContainerRuntime: Sendable {
    /// The pod has landed on the node, and its containers start once the lab's start
    /// delay is over: a runtime may set up meanwhile what `start` will need, as a real
    /// one creates the sandbox then. It must return at once; what it leaves behind
    /// goes with the pod (`stop`, `release`).
    func prepare(container: JSON, pod: JSON, node: String) async

    /// nil when this runtime does not run `container`.
    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome?

    /// For a container this runtime started and that is running: nil while it keeps
    /// running, or how it ended (Frigate dies when its Coral is unplugged).
    func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome?

    /// The pod is being deleted: ask its containers to stop (SIGTERM), and make sure
    /// they have (SIGKILL) once the pod's `deletionTimestamp` has passed. True once
    /// nothing of the pod runs any more.
    func stop(pod: JSON, node: String) async -> Bool

    /// Pods on `node` not in `live` are gone from the API: whatever of theirs this
    /// runtime still runs or keeps is removed.
    func release(node: String, keeping live: Set<String>) async
}

extension ContainerRuntime {
    public func prepare(container: JSON, pod: JSON, node: String) async {}
    public func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? { nil }
    public func stop(pod: JSON, node: String) async -> Bool { true }
    public func release(node: String, keeping live: Set<String>) async {}
}

public enum ContainerOutcome: Sendable, Equatable {
    case running(log: [String])
    case exited(code: Int, log: [String])
    /// The container could not be created (its sandbox, a volume, its environment);
    /// the kubelet records `event` with `message`, shows the container waiting with
    /// `waiting` as its reason, and tries again after a back-off.
    case notCreated(waiting: String, event: String, message: String)
}

/// A container without a command runs its image's own program, which the lab does
/// not have (it pulls no images): it keeps running and prints nothing, as a server does.
struct ImageEntrypointRuntime: ContainerRuntime {
    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        .running(log: [])
    }
}
