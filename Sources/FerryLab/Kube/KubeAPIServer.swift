import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import X509
import FerryJSON

/// The lab's Kubernetes apiserver as an HTTP responder: authentication, then the
/// URL space of `KubeRoute`, answered from the `ObjectStore` with the status codes
/// and bodies of a real apiserver.
///
/// Authentication is a client certificate signed by the lab CA (the user is its CN,
/// as in K3s) or a bearer token from `tokens`; anything else gets 401. Every
/// authenticated user may do everything (no RBAC): the lab stands for a cluster
/// where the migrating user is an admin.
public struct KubeAPIServer: HTTPResponder {
    public typealias Context = KubeRequestContext

    let store: ObjectStore
    let logs: PodLogs
    let admission: Admission
    let tokens: [String: String]
    let now: @Sendable () -> Date
    /// Added before every answer (the homelab's `apiLatency` fault), read per request.
    let latency: @Sendable () async -> Duration
    /// When a CronJob's schedule time happened on the wall clock: the lab's schedules
    /// run on a compressed clock (`LabClock`), and kubectl's LAST SCHEDULE is an age.
    let scheduleWallTime: @Sendable (Date) -> Date
    let watches = WatchConnections()

    /// - Parameter tokens: bearer token -> user name.
    public init(
        store: ObjectStore, logs: PodLogs, tokens: [String: String] = [:], now: @escaping @Sendable () -> Date = { Date() },
        latency: @escaping @Sendable () async -> Duration = { .zero },
        scheduleWallTime: @escaping @Sendable (Date) -> Date = { $0 }
    ) {
        self.scheduleWallTime = scheduleWallTime
        self.store = store
        self.logs = logs
        self.admission = Admission(store: store)
        self.tokens = tokens
        self.now = now
        self.latency = latency
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let delay = await latency()
        if delay > .zero { try? await Task.sleep(for: delay) }
        do {
            guard try await authenticate(request, context) != nil else { throw APIError.unauthorized }
            return try await route(&request)
        } catch let error as APIError {
            return Self.json(error.status, status: error.code)
        } catch {
            return Self.json(APIError.internalError(String(describing: error)).status, status: 500)
        }
    }

    /// The user name, or nil when the request carries no valid credential.
    private func authenticate(_ request: Request, _ context: Context) async throws -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return tokens[String(header.dropFirst("Bearer ".count))]
        }
        // The TLS layer only accepts certificates that chain to the lab CA, so a
        // presented certificate is a verified one.
        guard let peer = try await context.channel.nioSSL_peerCertificate().get() else { return nil }
        let certificate = try Certificate(derEncoded: try peer.toDERBytes())
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    private func route(_ request: inout Request) async throws -> Response {
        let query = Query(raw: request.uri.query)
        let kinds = await ResourceCatalog.served(by: store)
        switch KubeRoute(path: request.uri.path, kinds: kinds) {
        case .version: return Self.json(Discovery.version())
        case .health: return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case .coreVersions: return Self.json(Discovery.coreVersions())
        case .groups: return Self.json(Discovery.groups(kinds))
        case .group(let name):
            guard let group = Discovery.group(name, kinds) else { throw APIError.notFound404(request.uri.path) }
            return Self.json(group)
        case .resourceList(let group, let version):
            guard let list = Discovery.resources(group: group, version: version, kinds) else {
                throw APIError.notFound404(request.uri.path)
            }
            return Self.json(list)
        case .openAPIRoot: return Self.json(OpenAPI.root(kinds))
        case .openAPIDocument(let path):
            guard let document = OpenAPI.document(path, kinds) else { throw APIError.notFound404(request.uri.path) }
            return Self.json(document)
        case .serviceProxy(let namespace, let service, let path):
            let target = try await ServiceProxyTarget.resolve(service, namespace: namespace, store: store)
            return try await proxy(&request, to: target.address, scheme: target.scheme, id: service, path: path, what: "service")
        case .podProxy(let namespace, let pod, let path):
            let target = try await PodProxyTarget.resolve(pod, namespace: namespace, store: store)
            return try await proxy(&request, to: target.address, scheme: target.scheme, id: pod, path: path, what: "pod")
        case .notFound:
            throw APIError.notFound404(request.uri.path)
        case .resource(let kind, let namespace, let name, let subresource):
            let target = Target(kind: kind, namespace: namespace, name: name, subresource: subresource)
            return try await handle(&request, target: target, query: query)
        }
    }

    private func handle(_ request: inout Request, target: Target, query: Query) async throws -> Response {
        let accept = request.headers[.accept] ?? ""
        switch (request.method, target.name, target.subresource) {
        case (.get, nil, _):
            if query.flag("watch") {
                if watches.takeRefusal() {
                    throw APIError(code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request")
                }
                return try await watch(target, query: query, accept: accept)
            }
            return try await list(target, query: query, accept: accept)
        case (.get, let name?, "log"):
            return try await podLog(target, name: name, query: query)
        case (.get, let name?, "scale"):
            return Self.json(Scale.view(of: try await store.get(target.key(name)), kind: target.kind))
        case (.get, let name?, _):
            let object = try await store.get(target.key(name))
            return Self.json(Self.wantsTable(accept) ? table(target.kind, [object], query: query) : object)
        case (.post, nil, nil):
            let body = try await Self.body(&request)
            let namespace = target.namespace ?? ""
            let admitted = try await admission.create(body, kind: target.kind, namespace: namespace)
            return Self.json(try await store.create(admitted, kind: target.kind), status: 201)
        case (.put, let name?, let subresource):
            let body = try await Self.body(&request)
            return Self.json(try await update(target.key(name), body: body, subresource: subresource))
        case (.patch, let name?, let subresource):
            let contentType = request.headers[.contentType] ?? ""
            let body = try await Self.body(&request)
            return Self.json(try await patch(target.key(name), contentType: contentType, body: body, subresource: subresource))
        case (.delete, let name?, nil):
            let options = (try? await Self.body(&request)) ?? .emptyObject
            return Self.json(try await delete(target.key(name), options: options, query: query))
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    // MARK: Helpers

    struct Target {
        var kind: ResourceKind
        var namespace: String?
        var name: String?
        var subresource: String?

        func key(_ name: String) -> ObjectKey { ObjectKey(kind, namespace: namespace ?? "", name: name) }
    }

    /// Reads a JSON body. Other encodings (kubectl sends built-in kinds as protobuf
    /// first) get 415, on which client-go retries with JSON, as it does against an
    /// apiserver that cannot decode a content type.
    static func body(_ request: inout Request) async throws -> JSON {
        let contentType = request.headers[.contentType] ?? "application/json"
        if contentType.contains("protobuf") || contentType.contains("cbor") {
            throw APIError.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        }
        let buffer = try await request.collectBody(upTo: 16 << 20)
        guard buffer.readableBytes > 0 else { return .emptyObject }
        do {
            return try JSON.parse(Data(buffer: buffer))
        } catch {
            throw APIError.badRequest("the body of the request was not valid JSON: \(error.localizedDescription)")
        }
    }

    static func json(_ body: JSON, status: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache, private"
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: body.serialized + "\n")))
    }

    static func wantsTable(_ accept: String) -> Bool {
        accept.contains("as=Table")
    }

    func table(_ kind: ResourceKind, _ objects: [JSON], query: Query, listMetadata: JSON = .emptyObject) -> JSON {
        let include = query["includeObject"].flatMap(IncludeObject.init(rawValue:)) ?? .metadata
        var objects = objects
        if kind == ResourceCatalog.cronJobs {
            objects = objects.map { cronJob in
                guard let scheduled = cronJob["status"]["lastScheduleTime"].stringValue.flatMap(Timestamp.parse) else { return cronJob }
                var shown = cronJob
                shown[path: ["status", "lastScheduleTime"]] = .string(Timestamp.string(scheduleWallTime(scheduled)))
                return shown
            }
        }
        return TableConverter.table(kind: kind, objects: objects, listMetadata: listMetadata, includeObject: include, now: now())
    }
}

extension APIError {
    /// The plain 404 for a path that names no resource at all.
    static func notFound404(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: .null)
    }
}
