import Foundation
import Hummingbird
import NIOCore
import FerryJSON

/// Watch streams: one JSON event per line over a chunked response, as
/// `kubectl get -w`, `kubectl wait` and client-go informers read them.
extension KubeAPIServer {
    func watch(_ target: Target, query: Query, accept: String) async throws -> Response {
        let filter = try Filter(query: query, kind: target.kind)
        var since: Int64?
        if let text = query["resourceVersion"], text != "0" {
            guard let value = Int64(text) else { throw APIError.badRequest("invalid resource version: \(text)") }
            since = value
        }
        let asTable = Self.wantsTable(accept)
        let include = query["includeObject"].flatMap(IncludeObject.init(rawValue:)) ?? .metadata
        let timeout = query.int("timeoutSeconds") ?? 1800
        let events: AsyncStream<WatchEvent>
        do {
            events = try await store.watch(kind: target.kind, namespace: target.namespace, since: since, initialState: true)
        } catch {
            // An expired resourceVersion is reported inside the stream, as etcd-backed watches do.
            let line: JSON = ["type": "ERROR", "object": error.status]
            return Self.stream(AsyncStream { continuation in
                continuation.yield(ByteBuffer(string: line.serialized + "\n"))
                continuation.finish()
            })
        }
        let now = self.now
        let watches = self.watches
        let lines = AsyncStream<ByteBuffer> { continuation in
            let id = watches.register { continuation.finish() }
            let pump = Task {
                for await event in events {
                    guard let (type, object) = Self.visible(event, filter: filter) else { continue }
                    let shown = asTable
                        ? TableConverter.table(
                            kind: target.kind, objects: [object], listMetadata: .emptyObject, includeObject: include,
                            now: now())
                        : object
                    let line: JSON = ["type": .string(type), "object": shown]
                    continuation.yield(ByteBuffer(string: line.serialized + "\n"))
                }
                continuation.finish()
            }
            let timer = Task {
                try? await Task.sleep(for: .seconds(timeout))
                continuation.finish()
            }
            continuation.onTermination = { _ in
                pump.cancel()
                timer.cancel()
                watches.unregister(id)
            }
        }
        return Self.stream(lines)
    }

    /// How a change looks through a selector: an object that starts matching is
    /// ADDED, one that stops matching is DELETED, as the apiserver's watch cache does.
    static func visible(_ event: WatchEvent, filter: Filter) -> (String, JSON)? {
        let matchesNow = filter.matches(event.object)
        let matchedBefore = event.previous.map(filter.matches) ?? false
        switch event.type {
        case .added: return matchesNow ? ("ADDED", event.object) : nil
        case .deleted: return matchesNow || matchedBefore ? ("DELETED", event.object) : nil
        case .modified:
            switch (matchedBefore, matchesNow) {
            case (true, true): return ("MODIFIED", event.object)
            case (false, true): return ("ADDED", event.object)
            case (true, false): return ("DELETED", event.object)
            case (false, false): return nil
            }
        }
    }

    static func stream(_ lines: AsyncStream<ByteBuffer>, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache, private"
        headers[.transferEncoding] = "chunked"
        return Response(status: .ok, headers: headers, body: .init(asyncSequence: lines))
    }

    func podLog(_ target: Target, name: String, query: Query) async throws -> Response {
        let pod = try await store.get(target.key(name))
        let containers = (pod["spec"]["containers"].arrayValue ?? []).compactMap { $0["name"].stringValue }
        let container: String
        if let requested = query["container"] {
            guard containers.contains(requested) else {
                throw APIError.badRequest("container \(requested) is not valid for pod \(name)")
            }
            container = requested
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            throw APIError.badRequest(
                "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
        }
        let namespace = target.namespace ?? ""
        let previous = query.flag("previous")
        guard
            let lines = await logs.lines(
                namespace: namespace, pod: name, container: container, previous: previous,
                tail: query.int("tailLines").map(Int.init))
        else {
            let reason = pod["status"]["containerStatuses"].arrayValue?
                .first { $0["name"].stringValue == container }?["state"]["waiting"]["reason"].stringValue
                ?? "ContainerCreating"
            throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let restarts = pod["status"]["containerStatuses"].arrayValue?
            .first { $0["name"].stringValue == container }?["restartCount"].intValue ?? 0
        if previous, restarts == 0 {
            throw APIError.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
        }
        let text = lines.map { $0 + "\n" }.joined()
        guard query.flag("follow"), !previous else {
            var headers = HTTPFields()
            headers[.contentType] = "text/plain"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let follow = await logs.follow(namespace: namespace, pod: name, container: container)
        let watches = self.watches
        let stream = AsyncStream<ByteBuffer> { continuation in
            let id = watches.register { continuation.finish() }
            continuation.yield(ByteBuffer(string: text))
            let pump = Task {
                for await line in follow { continuation.yield(ByteBuffer(string: line + "\n")) }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                pump.cancel()
                watches.unregister(id)
            }
        }
        return Self.stream(stream, contentType: "text/plain")
    }
}
