import Foundation
import FerryJSON

/// The lab apiserver's storage: every object of every kind, one resourceVersion
/// counter for all of them (as etcd's revision), and the recent history that watches
/// resume from. Being an actor makes each call atomic, like a single etcd transaction.
///
/// The store is mechanical: it versions, watches, and applies the deletion rules
/// (finalizers, grace periods). Defaulting and validation of user input happen in
/// `Admission`, before a request reaches the store; controllers call the store directly.
public actor ObjectStore {
    private var objects: [ResourceKind: [String: JSON]] = [:]
    private var revision: Int64 = 1
    private var history: [WatchEvent] = []
    private let historyLimit: Int
    private var subscribers: [UUID: Subscriber] = [:]
    private let now: @Sendable () -> Date

    struct Subscriber {
        var kind: ResourceKind?
        var namespace: String?
        var continuation: AsyncStream<WatchEvent>.Continuation
    }

    /// - Parameter historyLimit: how many recent events a watch can resume from;
    ///   older resourceVersions get 410 Gone, as with etcd compaction.
    public init(historyLimit: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.historyLimit = historyLimit
        self.now = now
    }

    public var currentResourceVersion: String { String(revision) }

    // MARK: Reads

    public func get(_ key: ObjectKey) throws(APIError) -> JSON {
        guard let object = objects[key.kind]?[Self.slot(key)] else { throw .notFound(key.kind, key.name) }
        return object
    }

    public func find(_ key: ObjectKey) -> JSON? {
        objects[key.kind]?[Self.slot(key)]
    }

    /// Objects of `kind`, in `namespace` or in all namespaces when nil, sorted by
    /// namespace and name as the apiserver returns them.
    public func list(_ kind: ResourceKind, namespace: String? = nil) -> [JSON] {
        let all = objects[kind] ?? [:]
        return all.keys.sorted().compactMap { slot in
            let object = all[slot]!
            if let namespace, kind.namespaced, object.namespace != namespace { return nil }
            return object
        }
    }

    /// `list` together with the resourceVersion it was read at, in one actor call:
    /// a watch from that version then misses no change made after the read, as a
    /// list from etcd's snapshot guarantees. Read apart, a write landing between
    /// the two would be in neither.
    public func snapshot(_ kind: ResourceKind, namespace: String? = nil) -> (objects: [JSON], resourceVersion: String) {
        (list(kind, namespace: namespace), currentResourceVersion)
    }

    // MARK: Writes

    /// Stores a new object; the caller has filled in its metadata (see `Admission`).
    @discardableResult
    public func create(_ object: JSON, kind: ResourceKind) throws(APIError) -> JSON {
        let key = ObjectKey(kind, namespace: object.namespace, name: object.name)
        guard find(key) == nil else { throw .alreadyExists(kind, key.name) }
        var stored = object
        if stored.uid.isEmpty { stored[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased()) }
        if stored["metadata"]["creationTimestamp"] == .null {
            stored[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.string(now()))
        }
        if kind.tracksGeneration { stored[path: ["metadata", "generation"]] = 1 }
        return commit(.added, key: key, object: stored, previous: nil)
    }

    /// Replaces an object. A non-empty `metadata.resourceVersion` must match the
    /// stored one (optimistic concurrency, 409 otherwise). Without `subresource`,
    /// changes to status are ignored for kinds that have a status subresource; with
    /// `"status"`, only the status changes. An update that changes nothing keeps the
    /// resourceVersion and sends no event, as the apiserver does.
    @discardableResult
    public func update(_ object: JSON, key: ObjectKey, subresource: String? = nil) throws(APIError) -> JSON {
        let current = try get(key)
        if !object.resourceVersion.isEmpty, object.resourceVersion != current.resourceVersion {
            throw .conflict(key.kind, key.name)
        }
        if !object.name.isEmpty, object.name != key.name {
            throw .badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(key.name))")
        }
        var next: JSON
        if subresource == "status" {
            next = current
            next["status"] = object["status"]
        } else {
            next = object
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
                next[path: ["metadata", field]] = current["metadata"][field] == .null ? JSON?.none : current["metadata"][field]
            }
            next[path: ["metadata", "name"]] = .string(key.name)
            if key.kind.namespaced { next[path: ["metadata", "namespace"]] = .string(key.namespace) }
            if key.kind.subresources.contains("status") {
                next["status"] = current["status"]
                if current["status"] == .null { next.removeValue(forKey: "status") }
            }
            if key.kind.tracksGeneration, Self.specChanged(current, next) {
                next[path: ["metadata", "generation"]] = .int((current["metadata"]["generation"].intValue ?? 1) + 1)
            }
        }
        next[path: ["metadata", "resourceVersion"]] = current["metadata"]["resourceVersion"]
        if current["metadata"]["deletionTimestamp"] != .null {
            // Finalizers can only be removed from an object that is going away.
            if Self.blockers(next, key.kind).isEmpty, (current["metadata"]["deletionGracePeriodSeconds"].intValue ?? 0) == 0 {
                return remove(key, lastState: next)
            }
        }
        if next == current { return current }
        return commit(.modified, key: key, object: next, previous: current)
    }

    /// Reads, changes and writes an object in one step: the controllers' way to
    /// update without conflicts. Returns nil when the object does not exist.
    @discardableResult
    public func modify(
        _ key: ObjectKey, subresource: String? = nil, _ change: (inout JSON) throws -> Void
    ) rethrows -> JSON? {
        guard var object = find(key) else { return nil }
        try change(&object)
        return try? update(object, key: key, subresource: subresource)
    }

    /// Deletes following Kubernetes' rules: an object with finalizers, or a pod
    /// running on a node given a grace period, gets a `deletionTimestamp` and stays
    /// until its finalizers are gone and (for pods) its kubelet confirms with grace 0.
    @discardableResult
    public func delete(_ key: ObjectKey, gracePeriod: Int64? = nil, preconditionUID: String? = nil) throws(APIError)
        -> JSON
    {
        let current = try get(key)
        if let preconditionUID, preconditionUID != current.uid {
            throw APIError(
                code: 409, reason: "Conflict",
                message: "Precondition failed: UID in precondition: \(preconditionUID), UID in object meta: \(current.uid)",
                details: APIError.details(key.kind, key.name))
        }
        var grace: Int64 = 0
        if key.kind == ResourceCatalog.pods, current["spec"]["nodeName"].stringValue?.isEmpty == false,
            !Self.isTerminated(current)
        {
            grace = gracePeriod ?? current["spec"]["terminationGracePeriodSeconds"].intValue ?? 30
        }
        var next = current
        if current.isDeleting {
            let existingGrace = current["metadata"]["deletionGracePeriodSeconds"].intValue ?? 0
            if grace >= existingGrace { return current }
        }
        if Self.blockers(current, key.kind).isEmpty, grace == 0 { return remove(key, lastState: current) }
        if !current.isDeleting || grace < (current["metadata"]["deletionGracePeriodSeconds"].intValue ?? 0) {
            next[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.string(now().addingTimeInterval(Double(grace))))
            next[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
        }
        return commit(.modified, key: key, object: next, previous: current)
    }

    // MARK: Watch

    /// A stream of changes to `kind` (all kinds when nil) in `namespace` (all when nil).
    ///
    /// - `since`: replay every retained change after this resourceVersion first;
    ///   410 Gone when it is older than the retained history.
    /// - `initialState`: when `since` is nil, first send every current object as
    ///   ADDED, as a watch without a resourceVersion does.
    public func watch(kind: ResourceKind?, namespace: String?, since: Int64?, initialState: Bool) throws(APIError)
        -> AsyncStream<WatchEvent>
    {
        if let since, since < revision, let oldest = history.first?.resourceVersion, since < oldest - 1 {
            throw .gone("too old resource version: \(since) (\(oldest - 1))")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self)
        if let since {
            for event in history where event.resourceVersion > since && Self.matches(event, kind, namespace) {
                continuation.yield(event)
            }
        } else if initialState {
            let kinds = kind.map { [$0] } ?? Array(objects.keys)
            for kind in kinds {
                for object in list(kind, namespace: namespace) {
                    let key = ObjectKey(kind, namespace: object.namespace, name: object.name)
                    let rv = Int64(object.resourceVersion) ?? revision
                    continuation.yield(WatchEvent(type: .added, key: key, object: object, previous: nil, resourceVersion: rv))
                }
            }
        }
        let id = UUID()
        subscribers[id] = Subscriber(kind: kind, namespace: namespace, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)
    }

    // MARK: Internals

    private func commit(_ type: WatchEvent.EventType, key: ObjectKey, object: JSON, previous: JSON?) -> JSON {
        revision += 1
        var stored = object
        stored[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        objects[key.kind, default: [:]][Self.slot(key)] = stored
        publish(WatchEvent(type: type, key: key, object: stored, previous: previous, resourceVersion: revision))
        return stored
    }

    @discardableResult
    private func remove(_ key: ObjectKey, lastState: JSON) -> JSON {
        revision += 1
        objects[key.kind]?.removeValue(forKey: Self.slot(key))
        var last = lastState
        last[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        publish(WatchEvent(type: .deleted, key: key, object: last, previous: lastState, resourceVersion: revision))
        if key.kind == ResourceCatalog.customResourceDefinitions, let served = ResourceKind(definition: lastState),
            !ResourceCatalog.isBuiltIn(served)
        {
            removeAll(served)
        }
        return last
    }

    /// Removes every object of a custom resource whose CRD is gone, at once and
    /// finalizers or not (see docs/LAB.md). Watchers see each one go.
    private func removeAll(_ kind: ResourceKind) {
        for object in list(kind) {
            remove(ObjectKey(kind, namespace: object.namespace, name: object.name), lastState: object)
        }
        objects.removeValue(forKey: kind)
    }

    private func publish(_ event: WatchEvent) {
        history.append(event)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        for subscriber in subscribers.values where Self.matches(event, subscriber.kind, subscriber.namespace) {
            subscriber.continuation.yield(event)
        }
    }

    private static func matches(_ event: WatchEvent, _ kind: ResourceKind?, _ namespace: String?) -> Bool {
        if let kind, event.key.kind != kind { return false }
        if let namespace, event.key.kind.namespaced, event.key.namespace != namespace { return false }
        return true
    }

    private static func slot(_ key: ObjectKey) -> String { "\(key.namespace)/\(key.name)" }

    private static func specChanged(_ old: JSON, _ new: JSON) -> Bool {
        var a = old
        var b = new
        for field in ["metadata", "status"] {
            a.removeValue(forKey: field)
            b.removeValue(forKey: field)
        }
        return a != b
    }

    /// What keeps a deleted object in place: its finalizers, and for a namespace the
    /// `spec.finalizers` its content controller lifts once the namespace is empty.
    private static func blockers(_ object: JSON, _ kind: ResourceKind) -> [String] {
        var blockers = object.finalizers
        if kind == ResourceCatalog.namespaces {
            blockers += (object["spec"]["finalizers"].arrayValue ?? []).compactMap(\.stringValue)
        }
        return blockers
    }

    static func isTerminated(_ pod: JSON) -> Bool {
        let phase = pod["status"]["phase"].stringValue
        return phase == "Succeeded" || phase == "Failed"
    }
}
