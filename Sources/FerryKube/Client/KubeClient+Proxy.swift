import Foundation
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
}
