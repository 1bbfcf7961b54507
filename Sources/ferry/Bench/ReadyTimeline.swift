import FerryJSON
import FerryKube
import Foundation

/// The workload's downtime as a client watching its pods sees it: from the moment
/// the source node stops having a Ready pod to the moment the target node first has
/// one. This is what the people using the workload notice, independent of how
/// ferry's steps are cut.
actor ReadyTimeline {
    private let source: String
    private let target: String
    private var ready: [String: String] = [:]  // pod -> node, Ready and not terminating
    private(set) var sourceDown: ContinuousClock.Instant?
    private(set) var targetUp: ContinuousClock.Instant?

    init(source: String, target: String) {
        self.source = source
        self.target = target
    }

    /// Follows the pods until the task running it is cancelled.
    func follow(_ kube: KubeClient, namespace: String, labelSelector: String) async {
        do {
            for try await change in kube.watch(.pods, namespace: namespace, labelSelector: labelSelector) {
                observe(change, at: .now)
            }
        } catch {}
    }

    private func observe(_ change: KubeWatchEvent, at instant: ContinuousClock.Instant) {
        let pod = Pod(json: change.object)
        let servedBefore = ready.values.contains(source)
        if change.type != .deleted, pod.isReady, change.object["metadata"]["deletionTimestamp"].isNull, let node = pod.nodeName {
            ready[pod.name] = node
        } else {
            ready[pod.name] = nil
        }
        if servedBefore, !ready.values.contains(source) { sourceDown = instant }
        if targetUp == nil, ready.values.contains(target) { targetUp = instant }
    }

    /// Down to up, less `pause` (the wait for the person to move the hardware).
    func downtime(less pause: Duration) -> Duration? {
        guard let sourceDown, let targetUp else { return nil }
        return sourceDown.duration(to: targetUp) - pause
    }
}
