import FerryJSON
import Foundation

/// The lab pulls no images, and any image runs (`ProcessContainerRuntime` runs the
/// container's command with this machine's tools). But a node that cannot reach a
/// registry is the commonest way for a pod to never start, so an image whose
/// registry is under `.invalid` (RFC 2606: a name that never resolves) fails as it
/// does on a K3s node whose DNS cannot find the registry: `ErrImagePull` with
/// containerd's message, then `ImagePullBackOff` on every retry.
struct ImagePullRuntime: ContainerRuntime {
    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        guard let image = container["image"].stringValue else { return nil }
        let host = Self.registry(of: image)
        let bare = host.split(separator: ":").first.map(String.init) ?? host
        guard bare.hasSuffix(".invalid") else { return nil }
        let name = container["name"].stringValue ?? ""
        let current = (pod["status"]["containerStatuses"].arrayValue ?? []).first { $0["name"].stringValue == name }
        let reason = current?["state"]["waiting"]["reason"].stringValue
        if reason == "ErrImagePull" || reason == "ImagePullBackOff" {
            return .notCreated(waiting: "ImagePullBackOff", event: "BackOff", message: "Back-off pulling image \"\(image)\"")
        }
        return .notCreated(
            waiting: "ErrImagePull", event: "Failed",
            message: "Failed to pull image \"\(image)\": failed to pull and unpack image \"\(image)\": failed to resolve reference "
                + "\"\(image)\": failed to do request: Head \"https://\(host)/v2/\(Self.repository(of: image))/manifests/\(Self.tag(of: image))\": "
                + "dial tcp: lookup \(bare): no such host")
    }

    /// The registry an image is pulled from: its first component when that names a
    /// host (has a `.` or a `:`, or is `localhost`), else Docker Hub.
    static func registry(of image: String) -> String {
        guard let first = image.split(separator: "/").first, image.contains("/") else { return "docker.io" }
        return first.contains(".") || first.contains(":") || first == "localhost" ? String(first) : "docker.io"
    }

    static func repository(of image: String) -> String {
        var path = image.split(separator: "@").first.map(String.init) ?? image
        let host = registry(of: image)
        if path.hasPrefix(host + "/") { path.removeFirst(host.count + 1) }
        if let colon = path.lastIndex(of: ":"), !path[colon...].contains("/") { path = String(path[..<colon]) }
        return path
    }

    static func tag(of image: String) -> String {
        if let digest = image.split(separator: "@").dropFirst().first { return String(digest) }
        let last = image.split(separator: "/").last ?? ""
        return last.contains(":") ? String(last.split(separator: ":").last ?? "latest") : "latest"
    }
}
