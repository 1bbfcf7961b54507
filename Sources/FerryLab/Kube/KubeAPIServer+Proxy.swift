import AsyncHTTPClient
import FerryJSON
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// The apiserver's service and pod proxies (`kubectl get --raw
/// .../services/NAME:PORT/proxy/PATH`, `.../pods/NAME:PORT/proxy/PATH`): the request
/// goes, over real HTTP, to one ready address of the Service's Endpoints or to the
/// pod's IP, and its answer comes back as it is. Resolution follows the apiserver's
/// `ResourceLocation`, and every failure on the way has the apiserver's wording.
extension KubeAPIServer {
    func proxy(_ request: inout Request, to address: String, scheme: String, id: String, path: String, what: String) async throws -> Response {
        guard scheme == "http" else {
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message: "the lab's \(what) proxy speaks http only, and \(id) asks for \(scheme): leave the scheme out")
        }
        var url = "http://\(address)\(path)"
        if let query = request.uri.query, !query.isEmpty { url += "?\(query)" }
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        if let type = request.headers[.contentType] { outgoing.headers.add(name: "Content-Type", value: type) }
        if let accept = request.headers[.accept] { outgoing.headers.add(name: "Accept", value: accept) }
        let body = try await request.collectBody(upTo: 16 << 20)
        if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        let response: HTTPClientResponse
        let answer: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(30))
            answer = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message: "error trying to reach \(what): dial tcp \(address): \(error)")
        }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
        return Response(status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, body: .init(byteBuffer: answer))
    }
}

/// Where a service proxy request goes: `[SCHEME:]NAME[:PORT]` resolved to one ready
/// endpoint address.
struct ServiceProxyTarget: Equatable {
    var scheme: String
    var service: String
    /// `IP:PORT` of a ready pod.
    var address: String

    static func resolve(_ id: String, namespace: String, store: ObjectStore) async throws(APIError) -> ServiceProxyTarget {
        let (scheme, name, given) = try proxyParts(id, of: "service")
        var port = given
        if let number = Int64(port) {
            let service = try await store.get(ObjectKey(ResourceCatalog.services, namespace: namespace, name: name))
            guard let named = (service["spec"]["ports"].arrayValue ?? []).first(where: { $0["port"].intValue == number }) else {
                throw APIError(
                    code: 503, reason: "ServiceUnavailable", message: "no service port \(number) found for service \"\(name)\"")
            }
            port = named["name"].stringValue ?? ""
        }
        let endpoints = try await store.get(ObjectKey(ResourceCatalog.endpoints, namespace: namespace, name: name))
        let subsets = endpoints["subsets"].arrayValue ?? []
        guard !subsets.isEmpty else {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "no endpoints available for service \"\(name)\"")
        }
        for subset in subsets.shuffled() {
            let addresses = (subset["addresses"].arrayValue ?? []).compactMap { $0["ip"].stringValue }
            guard let ip = addresses.randomElement(),
                let match = (subset["ports"].arrayValue ?? []).first(where: { ($0["name"].stringValue ?? "") == port }),
                let number = match["port"].intValue
            else { continue }
            return ServiceProxyTarget(scheme: scheme.isEmpty ? "http" : scheme, service: name, address: "\(ip):\(number)")
        }
        throw APIError(code: 503, reason: "ServiceUnavailable", message: "no endpoints available for service \"\(id)\"")
    }
}

/// Where a pod proxy request goes: `[SCHEME:]NAME[:PORT]` resolved to the pod's IP, as
/// the apiserver's pod `ResourceLocation` does (no port: the first container port the
/// spec declares). The lab's pods have loopback addresses, which a real apiserver
/// refuses to proxy to ("address not allowed"); the lab allows them (docs/LAB.md).
struct PodProxyTarget: Equatable {
    var scheme: String
    /// `IP:PORT` of the pod.
    var address: String

    static func resolve(_ id: String, namespace: String, store: ObjectStore) async throws(APIError) -> PodProxyTarget {
        let (scheme, name, given) = try proxyParts(id, of: "pod")
        var port = given
        let pod = try await store.get(ObjectKey(ResourceCatalog.pods, namespace: namespace, name: name))
        if port.isEmpty {
            let declared = (pod["spec"]["containers"].arrayValue ?? []).lazy.compactMap { $0["ports"].arrayValue?.first?["containerPort"].intValue }.first
            port = declared.map(String.init) ?? ""
        }
        guard let ip = pod["status"]["podIP"].stringValue, !ip.isEmpty else { throw .badRequest("address not allowed") }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return PodProxyTarget(scheme: scheme.isEmpty ? "http" : scheme, address: port.isEmpty ? host : "\(host):\(port)")
    }
}

/// `[SCHEME:]NAME[:PORT]` of a proxy request, as the apiserver splits it.
private func proxyParts(_ id: String, of kind: String) throws(APIError) -> (scheme: String, name: String, port: String) {
    let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let result: (scheme: String, name: String, port: String)
    switch parts.count {
    case 1: result = ("", parts[0], "")
    case 2: result = ("", parts[0], parts[1])
    case 3: result = (parts[0], parts[1], parts[2])
    default: throw .badRequest("invalid \(kind) request \"\(id)\"")
    }
    guard ["", "http", "https"].contains(result.scheme), !result.name.isEmpty else { throw .badRequest("invalid \(kind) request \"\(id)\"") }
    return result
}
