import FerryJSON
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The patch formats the API accepts.
public enum PatchType: String, Sendable {
    case merge = "application/merge-patch+json"
    case json = "application/json-patch+json"
    case strategic = "application/strategic-merge-patch+json"
}

/// A list: its items and the resourceVersion to watch from.
public struct ObjectList: Sendable {
    public var items: [JSON]
    public var resourceVersion: String
}

extension KubeClient {
    public func get(_ type: ResourceType, _ name: String, namespace: String? = nil) async throws(KubeClientError) -> JSON {
        try decode(await send(.GET, type.path(namespace: ns(type, namespace), name: name)))
    }

    /// The object, or nil when it does not exist.
    public func find(_ type: ResourceType, _ name: String, namespace: String? = nil) async throws(KubeClientError) -> JSON? {
        do {
            return try await get(type, name, namespace: namespace)
        } catch where error.isNotFound {
            return nil
        }
    }

    /// Lists objects; `namespace: nil` on a namespaced type lists all namespaces.
    public func list(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) async throws(KubeClientError) -> ObjectList {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let list = try decode(await send(.GET, type.path(namespace: namespace), query: query))
        return ObjectList(items: list["items"].arrayValue ?? [], resourceVersion: list["metadata"]["resourceVersion"].stringValue ?? "")
    }

    @discardableResult
    public func create(_ type: ResourceType, _ object: JSON, namespace: String? = nil) async throws(KubeClientError) -> JSON {
        let namespace = namespace ?? object["metadata"]["namespace"].stringValue
        return try decode(await send(.POST, type.path(namespace: ns(type, namespace)), body: object))
    }

    /// Replaces an object; its `metadata.resourceVersion` makes this fail with a
    /// conflict when someone else changed it first.
    @discardableResult
    public func update(_ type: ResourceType, _ object: JSON, subresource: String? = nil) async throws(KubeClientError) -> JSON {
        let name = object["metadata"]["name"].stringValue ?? ""
        let namespace = object["metadata"]["namespace"].stringValue
        return try decode(await send(.PUT, type.path(namespace: ns(type, namespace), name: name, subresource: subresource), body: object))
    }

    @discardableResult
    public func patch(
        _ type: ResourceType, _ name: String, namespace: String? = nil, _ patch: JSON, as patchType: PatchType = .merge,
        subresource: String? = nil
    ) async throws(KubeClientError) -> JSON {
        try decode(
            await send(
                .PATCH, type.path(namespace: ns(type, namespace), name: name, subresource: subresource), body: patch,
                contentType: patchType.rawValue))
    }

    /// Deletes an object; returns false when it did not exist. `gracePeriodSeconds: 0`
    /// forces a pod away; `propagation` is Background (default), Foreground or Orphan.
    @discardableResult
    public func delete(
        _ type: ResourceType, _ name: String, namespace: String? = nil, gracePeriodSeconds: Int? = nil,
        propagation: String? = nil, preconditionUID: String? = nil
    ) async throws(KubeClientError) -> Bool {
        var options: JSON = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let gracePeriodSeconds { options["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if let propagation { options["propagationPolicy"] = .string(propagation) }
        if let preconditionUID { options["preconditions"] = ["uid": .string(preconditionUID)] }
        do {
            _ = try await send(.DELETE, type.path(namespace: ns(type, namespace), name: name), body: options)
            return true
        } catch where error.isNotFound {
            return false
        }
    }

    /// Sets replicas through the scale subresource, as `kubectl scale` does.
    public func scale(_ type: ResourceType, _ name: String, namespace: String? = nil, replicas: Int) async throws(KubeClientError) {
        _ = try await patch(type, name, namespace: namespace, ["spec": ["replicas": .int(Int64(replicas))]], subresource: "scale")
    }

    /// A container's log. `previous` reads the last terminated instance (after a restart).
    public func logs(
        pod: String, namespace: String? = nil, container: String? = nil, tailLines: Int? = nil, previous: Bool = false
    ) async throws(KubeClientError) -> String {
        var query: [(String, String)] = []
        if let container { query.append(("container", container)) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if previous { query.append(("previous", "true")) }
        let reply = try await send(
            .GET, ResourceType.pods.path(namespace: ns(.pods, namespace), name: pod, subresource: "log"), query: query,
            accept: "text/plain")
        return String(buffer: reply.body)
    }

    /// The server's version (`/version`), also a cheap check that credentials work.
    public func serverVersion() async throws(KubeClientError) -> String {
        let version = try decode(await send(.GET, "/version"))
        return version["gitVersion"].stringValue ?? "unknown"
    }

    func ns(_ type: ResourceType, _ namespace: String?) -> String? {
        type.namespaced ? (namespace ?? access.namespace) : nil
    }

    func decode(_ reply: Reply) throws(KubeClientError) -> JSON {
        do {
            return try JSON.parse(Data(buffer: reply.body))
        } catch {
            throw .decoding("the API server at \(access.server.absoluteString) sent a response that is not JSON")
        }
    }
}
