import Foundation
import FerryJSON

extension KubeLab {
    /// Waits until `match` finds an object among those of `kind` in `namespace`,
    /// re-checking on every change (a watch, not polling). Returns what `match`
    /// found, or nil when `timeout` passed first.
    public func waitUntil(
        _ kind: ResourceKind, namespace: String? = nil, timeout: Duration,
        match: @escaping @Sendable ([JSON]) -> JSON?
    ) async -> JSON? {
        guard let events = try? await store.watch(kind: kind, namespace: namespace, since: nil, initialState: false)
        else { return nil }
        if let found = match(await store.list(kind, namespace: namespace)) { return found }
        let store = self.store
        return await withTaskGroup(of: JSON?.self) { group in
            group.addTask {
                for await _ in events {
                    if let found = match(await store.list(kind, namespace: namespace)) { return found }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
