import Foundation
import NIOCore
import NIOHTTP1

extension KubeClient {
    /// The HTTP status a Service answers to `GET path`, asked through the apiserver's
    /// service proxy (`/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/PATH`), as
    /// `kubectl get --raw` would: this is how a check reaches a URL that only
    /// resolves inside the cluster. The apiserver's own refusals (503 with no ready
    /// endpoint) come back as statuses too, so a caller can wait for the answer it wants.
    public func serviceProxyStatus(
        service: String, namespace: String, port: String, path: String, https: Bool = false
    ) async throws(KubeClientError) -> Int {
        let target = (https ? "https:" : "") + "\(service):\(port)"
        let tail = path.hasPrefix("/") ? path : "/" + path
        let response = try await start(
            .GET, "/api/v1/namespaces/\(namespace)/services/\(target)/proxy\(tail)", query: [], body: nil,
            contentType: "application/json", accept: "*/*", deadline: requestTimeout)
        _ = try? await response.body.collect(upTo: 64 << 20)
        return Int(response.status.code)
    }

    /// POSTs `text` to a pod's port through the apiserver's pod proxy
    /// (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`, which needs `pods/proxy`
    /// access): how ferry reaches a pod it cannot reach on the pod network. Returns
    /// the status and the answer's text; the apiserver's own refusals (503 when nothing
    /// listens yet) come back as statuses too. `timeout` bounds the whole request: a pod
    /// the API server cannot reach (a NetworkPolicy) costs that, not the API server's
    /// 30 s dial.
    public func podProxyPost(
        pod: String, namespace: String, port: Int, path: String, text: String, timeout: Duration
    ) async throws(KubeClientError) -> (status: Int, text: String) {
        let tail = path.hasPrefix("/") ? path : "/" + path
        let response = try await start(
            .POST, "/api/v1/namespaces/\(namespace)/pods/\(pod):\(port)/proxy\(tail)", query: [], bytes: ByteBuffer(string: text),
            contentType: "text/plain", accept: "*/*",
            deadline: .nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        let body = (try? await response.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
        return (Int(response.status.code), body)
    }
}
