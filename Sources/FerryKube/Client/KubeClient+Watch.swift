import AsyncHTTPClient
import FerryJSON
import FerryRemote
import Foundation
import NIOCore
import NIOFoundationCompat

/// One change seen by a watch.
public struct KubeWatchEvent: Sendable {
    public enum EventType: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public var type: EventType
    public var object: JSON
}

extension KubeClient {
    /// Changes to objects as an async sequence, as an informer sees them.
    ///
    /// Without `resourceVersion`, the current objects come first as ADDED. A dropped
    /// connection is resumed from the last resourceVersion seen; when that version
    /// has expired (410 Gone) the objects are listed again and the differences are
    /// delivered as ADDED/MODIFIED/DELETED, so no change is silently lost.
    /// A server error or 429 on (re)connecting, or a dropped connection, is tried again
    /// by `Retry`, as a request is (100 ms, 200 ms... at most 2 s). The sequence ends
    /// at `deadline` (if given), or with an error after four such failures in a row.
    public nonisolated func watch(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        resourceVersion: String? = nil, deadline: ContinuousClock.Instant? = nil
    ) -> AsyncThrowingStream<KubeWatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.runWatch(
                        type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                        resourceVersion: resourceVersion, deadline: deadline) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func runWatch(
        _ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?, resourceVersion: String?,
        deadline: ContinuousClock.Instant?, emit: @Sendable (KubeWatchEvent) -> Void
    ) async throws {
        let path = type.path(namespace: type.namespaced ? namespace : nil)
        var selectors: [(String, String)] = []
        if let labelSelector { selectors.append(("labelSelector", labelSelector)) }
        if let fieldSelector { selectors.append(("fieldSelector", fieldSelector)) }
        var version = resourceVersion
        var known: [String: JSON] = [:]
        while !Task.isCancelled {
            do {
                // A connection that fails is opened again as `Retry` sends a request again;
                // one that ends (its timeoutSeconds) is followed by the next.
                let pastDeadline = try await Retry.idempotent(transient: Self.isTransientWatchFailure) { () async throws -> Bool in
                    try await connect(path, selectors, deadline: deadline, version: &version, known: &known, emit: emit)
                }
                if pastDeadline { return }
            } catch let error as KubeClientError where error.isGone {
                let list = try await self.list(type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
                var fresh: [String: JSON] = [:]
                for item in list.items { fresh[Self.identity(item)] = item }
                for (key, item) in fresh where known[key]?["metadata"]["resourceVersion"] != item["metadata"]["resourceVersion"] {
                    emit(KubeWatchEvent(type: known[key] == nil ? .added : .modified, object: item))
                }
                for (key, item) in known where fresh[key] == nil { emit(KubeWatchEvent(type: .deleted, object: item)) }
                known = fresh
                version = list.resourceVersion
            }
        }
    }

    /// A request's transient failures, and a watch that timed out while connecting.
    static func isTransientWatchFailure(_ error: any Error) -> Bool {
        guard let error = error as? KubeClientError else { return false }
        return isTransient(error) || error.code == .timeout
    }

    /// One watch connection from `version`, its events emitted until the server ends
    /// it; true, without connecting, once `deadline` has passed.
    private func connect(
        _ path: String, _ selectors: [(String, String)], deadline: ContinuousClock.Instant?, version: inout String?,
        known: inout [String: JSON], emit: @Sendable (KubeWatchEvent) -> Void
    ) async throws -> Bool {
        var seconds = 300
        if let deadline {
            let left = ContinuousClock.now.duration(to: deadline).components.seconds
            if left <= 0 { return true }
            seconds = Int(min(left, 300))
        }
        var query = selectors + [("watch", "1"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(seconds))]
        if let version { query.append(("resourceVersion", version)) }
        let response = try await start(
            .GET, path, query: query, body: nil, contentType: "application/json", accept: "application/json",
            deadline: .seconds(Int64(seconds) + 30))
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).flatMap { try? JSON.parse(Data(buffer: $0)) }
            throw KubeClientError.status(body ?? .null, httpCode: Int(response.status.code), request: "GET \(path) (watch)")
        }
        var pending = ByteBuffer()
        for try await var chunk in response.body {
            pending.writeBuffer(&chunk)
            while let line = Self.readLine(&pending) {
                guard let event = try? JSON.parse(line) else {
                    throw KubeClientError.decoding("the watch on \(path) sent a line that is not JSON")
                }
                let object = event["object"]
                switch event["type"].stringValue {
                case "ERROR":
                    throw KubeClientError.status(object, httpCode: Int(object["code"].intValue ?? 500), request: "GET \(path) (watch)")
                case "BOOKMARK":
                    version = object["metadata"]["resourceVersion"].stringValue ?? version
                case let name?:
                    guard let kind = KubeWatchEvent.EventType(rawValue: name) else { continue }
                    version = object["metadata"]["resourceVersion"].stringValue ?? version
                    let key = Self.identity(object)
                    if kind == .deleted { known[key] = nil } else { known[key] = object }
                    emit(KubeWatchEvent(type: kind, object: object))
                case nil:
                    continue
                }
            }
        }
        return false
    }

    static func identity(_ object: JSON) -> String {
        "\(object["metadata"]["namespace"].stringValue ?? "")/\(object["metadata"]["name"].stringValue ?? "")"
    }

    /// The next complete line, nil when none is buffered yet. Blank lines (a proxy's
    /// keep-alive) are skipped rather than ending the read, so an event behind one
    /// is not left waiting for the next chunk.
    static func readLine(_ buffer: inout ByteBuffer) -> Data? {
        while let index = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer.readData(length: index - buffer.readerIndex) ?? Data()
            buffer.moveReaderIndex(forwardBy: 1)
            if !line.isEmpty { return line }
        }
        return nil
    }
}
