import FerryJSON
import Foundation

extension KubeClient {
    /// Waits until `condition` finds what it looks for among the objects selected,
    /// re-evaluating on every change a watch reports. This is ferry's only way of
    /// waiting on the cluster: no polling, no sleeps, always a deadline.
    ///
    /// ```swift
    /// let pod = try await client.waitUntil(.pods, namespace: "frigate", labelSelector: "app=frigate",
    ///     timeout: .seconds(120), waitingFor: "a Ready frigate pod") { pods in pods.first(where: \.isPodReady) }
    /// ```
    public func waitUntil<T: Sendable>(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        timeout: Duration, waitingFor what: String, condition: @Sendable ([JSON]) -> T?
    ) async throws(KubeClientError) -> T {
        let deadline = ContinuousClock.now + timeout
        let start = try await list(type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
        if let found = condition(start.items) { return found }
        var objects: [String: JSON] = [:]
        for item in start.items { objects[Self.identity(item)] = item }
        let events = watch(
            type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
            resourceVersion: start.resourceVersion, deadline: deadline)
        do {
            for try await event in events {
                let key = Self.identity(event.object)
                if event.type == .deleted { objects[key] = nil } else { objects[key] = event.object }
                let ordered = objects.keys.sorted().map { objects[$0]! }
                if let found = condition(ordered) { return found }
            }
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw .transport("waiting for \(what): \(error)")
        }
        throw .timeout("timed out after \(timeout) waiting for \(what)")
    }

    /// Waits for one object to satisfy `condition` (nil when it does not exist),
    /// e.g. until it is deleted.
    public func waitFor(
        _ type: ResourceType, _ name: String, namespace: String? = nil, timeout: Duration, waitingFor what: String,
        condition: @escaping @Sendable (JSON?) -> Bool
    ) async throws(KubeClientError) -> JSON? {
        try await waitUntil(
            type, namespace: ns(type, namespace), fieldSelector: "metadata.name=\(name)", timeout: timeout, waitingFor: what
        ) { objects in
            let object = objects.first
            return condition(object) ? .some(object) : nil
        } ?? nil
    }
}
