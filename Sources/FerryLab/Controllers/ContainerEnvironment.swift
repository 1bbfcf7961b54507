import Foundation
import FerryJSON

/// A container's environment and command line as the kubelet makes them: the
/// image's defaults (the lab has no image, so a Debian-like PATH and root's HOME),
/// HOSTNAME, `envFrom`, then `env` in order, with `$(VAR)` references expanded.
/// Kubernetes sets no POD_IP by itself: a pod asks for it with
/// `valueFrom.fieldRef.fieldPath: status.podIP`, and so it does here.
struct ContainerEnvironment {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// A reference the kubelet cannot resolve: the container is not created
    /// (`CreateContainerConfigError`), with the kubelet's wording.
    struct Problem: Error {
        var message: String
    }

    var variables: [String: String]
    var argv: [String]

    static func make(container: JSON, pod: JSON, store: ObjectStore) async throws(Problem) -> ContainerEnvironment {
        var variables = ["PATH": defaultPath, "HOME": "/root", "HOSTNAME": hostname(of: pod)]
        for source in container["envFrom"].arrayValue ?? [] {
            let prefix = source["prefix"].stringValue ?? ""
            if source["configMapRef"] != .null {
                guard let data = try await configMapData(source["configMapRef"], namespace: pod.namespace, store: store) else { continue }
                for (key, value) in data { variables[prefix + key] = value }
            } else if source["secretRef"] != .null {
                guard let data = try await secretData(source["secretRef"], namespace: pod.namespace, store: store) else { continue }
                for (key, value) in data { variables[prefix + key] = value }
            }
        }
        for entry in container["env"].arrayValue ?? [] {
            guard let name = entry["name"].stringValue, !name.isEmpty else { continue }
            if let value = entry["value"].stringValue {
                variables[name] = expand(value, with: variables)
            } else if entry["valueFrom"] != .null, let value = try await resolve(entry["valueFrom"], pod: pod, store: store) {
                variables[name] = value
            } else if entry["valueFrom"] == .null {
                variables[name] = ""
            }
        }
        let words = ((container["command"].arrayValue ?? []) + (container["args"].arrayValue ?? [])).compactMap(\.stringValue)
        return ContainerEnvironment(variables: variables, argv: words.map { expand($0, with: variables) })
    }

    /// The pod's hostname: `spec.hostname`, else its name (at most 63 characters).
    static func hostname(of pod: JSON) -> String {
        String((pod["spec"]["hostname"].stringValue ?? pod.name).prefix(63))
    }

    /// `$(VAR)` becomes VAR's value when VAR is defined, `$$` becomes `$`, and
    /// anything else is left as written, as Kubernetes expands command, args and env.
    static func expand(_ text: String, with variables: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                result += "$"
                rest = after.dropFirst()
            } else if after.first == "(", let close = after.firstIndex(of: ")") {
                let name = String(after[after.index(after: after.startIndex)..<close])
                result += variables[name] ?? "$(\(name))"
                rest = after[after.index(after: close)...]
            } else {
                result += "$"
                rest = after
            }
        }
        return result + rest
    }

    private static func resolve(_ source: JSON, pod: JSON, store: ObjectStore) async throws(Problem) -> String? {
        if let path = source["fieldRef"]["fieldPath"].stringValue {
            return fieldValue(path, of: pod)
        }
        if source["configMapKeyRef"] != .null {
            let key = source["configMapKeyRef"]["key"].stringValue ?? ""
            guard let data = try await configMapData(source["configMapKeyRef"], namespace: pod.namespace, store: store) else { return nil }
            guard let value = data[key] else {
                if source["configMapKeyRef"]["optional"].boolValue == true { return nil }
                throw Problem(message: "couldn't find key \(key) in ConfigMap \(pod.namespace)/\(source["configMapKeyRef"]["name"].stringValue ?? "")")
            }
            return value
        }
        if source["secretKeyRef"] != .null {
            let key = source["secretKeyRef"]["key"].stringValue ?? ""
            guard let data = try await secretData(source["secretKeyRef"], namespace: pod.namespace, store: store) else { return nil }
            guard let value = data[key] else {
                if source["secretKeyRef"]["optional"].boolValue == true { return nil }
                throw Problem(message: "couldn't find key \(key) in Secret \(pod.namespace)/\(source["secretKeyRef"]["name"].stringValue ?? "")")
            }
            return value
        }
        // resourceFieldRef: the lab enforces no limits, so there is nothing true to report.
        return nil
    }

    /// The downward API's fields.
    static func fieldValue(_ path: String, of pod: JSON) -> String? {
        if let key = bracketKey(path, prefix: "metadata.labels") { return pod.labels[key] }
        if let key = bracketKey(path, prefix: "metadata.annotations") { return pod.annotations[key] }
        switch path {
        case "metadata.name": return pod.name
        case "metadata.namespace": return pod.namespace
        case "metadata.uid": return pod.uid
        case "spec.nodeName": return pod["spec"]["nodeName"].stringValue
        case "spec.serviceAccountName": return pod["spec"]["serviceAccountName"].stringValue ?? "default"
        case "status.podIP": return pod["status"]["podIP"].stringValue
        case "status.hostIP": return pod["status"]["hostIP"].stringValue
        case "status.podIPs": return (pod["status"]["podIPs"].arrayValue ?? []).compactMap { $0["ip"].stringValue }.joined(separator: ",")
        case "status.hostIPs": return pod["status"]["hostIP"].stringValue
        default: return nil
        }
    }

    /// `metadata.labels['app']` -> `app`.
    private static func bracketKey(_ path: String, prefix: String) -> String? {
        guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(prefix.count + 2).dropLast(2))
    }

    private static func configMapData(_ reference: JSON, namespace: String, store: ObjectStore) async throws(Problem) -> [String: String]? {
        let name = reference["name"].stringValue ?? ""
        guard let map = await store.find(ObjectKey(ResourceCatalog.configMaps, namespace: namespace, name: name)) else {
            if reference["optional"].boolValue == true { return nil }
            throw Problem(message: "configmap \"\(name)\" not found")
        }
        return (map["data"].objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    private static func secretData(_ reference: JSON, namespace: String, store: ObjectStore) async throws(Problem) -> [String: String]? {
        let name = reference["name"].stringValue ?? ""
        guard let secret = await store.find(ObjectKey(ResourceCatalog.secrets, namespace: namespace, name: name)) else {
            if reference["optional"].boolValue == true { return nil }
            throw Problem(message: "secret \"\(name)\" not found")
        }
        var data = (secret["stringData"].objectValue ?? [:]).compactMapValues(\.stringValue)
        for (key, value) in secret["data"].objectValue ?? [:] {
            if let encoded = value.stringValue, let decoded = Data(base64Encoded: encoded) {
                data[key] = String(decoding: decoded, as: UTF8.self)
            }
        }
        return data
    }
}
