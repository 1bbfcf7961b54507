import Foundation
import FerryJSON

/// One volumeMount of a container, resolved to the directory on this machine that
/// holds the volume's data: a claim's bound PV (its `hostPath` or `local` path in
/// the node's filesystem), a hostPath, or a directory the kubelet keeps for the pod
/// (`emptyDir`, and the files of a `configMap` or `secret`), where a real kubelet
/// keeps them too: `/var/lib/kubelet/pods/UID/volumes/...` on the node.
struct ContainerMount: Sendable, Equatable {
    var volume: String
    var source: URL
    /// Absolute and normalized: no `.`, `..` or empty components.
    var path: String
    var readOnly: Bool
}

enum ContainerMounts {
    /// A volume the kubelet cannot set up: a `FailedMount` event, worded as the kubelet's.
    struct Problem: Error {
        var volume: String
        var reason: String

        var message: String { "MountVolume.SetUp failed for volume \"\(volume)\" : \(reason)" }
    }

    /// The kubelet's directory for one pod, on its node.
    static func podDirectory(node: String, uid: String, filesystem: NodeFilesystem) -> URL {
        filesystem.url(node: node, path: "/var/lib/kubelet/pods/\(uid)")
    }

    /// The container's mounts, parents before what is mounted inside them.
    static func resolve(
        container: JSON, pod: JSON, node: String, store: ObjectStore, filesystem: NodeFilesystem
    ) async throws(Problem) -> [ContainerMount] {
        let volumes = pod["spec"]["volumes"].arrayValue ?? []
        var mounts: [ContainerMount] = []
        for mount in container["volumeMounts"].arrayValue ?? [] {
            let name = mount["name"].stringValue ?? ""
            guard let volume = volumes.first(where: { $0["name"].stringValue == name }) else {
                throw Problem(volume: name, reason: "the pod has no volume named \"\(name)\"")
            }
            let path = normalized(mount["mountPath"].stringValue ?? "")
            guard path != "/" else { throw Problem(volume: name, reason: "mountPath \"/\" would hide the container's whole filesystem") }
            var (source, readOnly) = try await source(of: volume, pod: pod, node: node, store: store, filesystem: filesystem)
            if let subPath = mount["subPath"].stringValue, !subPath.isEmpty {
                for component in normalized(subPath).split(separator: "/") { source.appendPathComponent(String(component)) }
                do {
                    try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
                } catch {
                    throw Problem(volume: name, reason: "cannot create subPath \"\(subPath)\": \(error.localizedDescription)")
                }
            }
            readOnly = readOnly || mount["readOnly"].boolValue == true
            mounts.append(ContainerMount(volume: name, source: source, path: path, readOnly: readOnly))
        }
        return mounts.sorted { $0.path.split(separator: "/").count < $1.path.split(separator: "/").count }
    }

    /// `a/./b/../c/` -> `/a/b/c`: the path stays inside the container's root.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." && $0 != ".." }.joined(separator: "/")
    }

    private static func source(
        of volume: JSON, pod: JSON, node: String, store: ObjectStore, filesystem: NodeFilesystem
    ) async throws(Problem) -> (URL, readOnly: Bool) {
        let name = volume["name"].stringValue ?? ""
        let podDirectory = podDirectory(node: node, uid: pod.uid, filesystem: filesystem)
        if let claimName = volume["persistentVolumeClaim"]["claimName"].stringValue {
            let claim = await store.find(ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: pod.namespace, name: claimName))
            guard let volumeName = claim?["spec"]["volumeName"].stringValue, claim?["status"]["phase"].stringValue == "Bound" else {
                throw Problem(volume: name, reason: "persistentvolumeclaim \"\(claimName)\" is not bound")
            }
            guard let pv = await store.find(ObjectKey(ResourceCatalog.persistentVolumes, name: volumeName)),
                let path = pv["spec"]["hostPath"]["path"].stringValue ?? pv["spec"]["local"]["path"].stringValue
            else {
                throw Problem(volume: name, reason: "persistentvolume \"\(volumeName)\" has no hostPath or local path the lab can mount")
            }
            let directory = filesystem.url(node: node, path: path)
            guard FileManager.default.fileExists(atPath: directory.path) else {
                throw Problem(volume: name, reason: "path \(path) of persistentvolume \"\(volumeName)\" does not exist on node \(node)")
            }
            return (directory, volume["persistentVolumeClaim"]["readOnly"].boolValue == true)
        }
        if let path = volume["hostPath"]["path"].stringValue {
            let source = filesystem.url(node: node, path: path)
            // An untyped hostPath that does not exist is created as a directory, as containerd does.
            if !FileManager.default.fileExists(atPath: source.path) { try create(source, volume: name) }
            return (source, false)
        }
        if volume["emptyDir"] != .null {
            let source = podDirectory.appendingPathComponent("volumes/kubernetes.io~empty-dir/\(name)")
            try create(source, volume: name)
            return (source, false)
        }
        if volume["configMap"] != .null || volume["secret"] != .null {
            let isSecret = volume["secret"] != .null
            let spec = isSecret ? volume["secret"] : volume["configMap"]
            let objectName = (isSecret ? spec["secretName"] : spec["name"]).stringValue ?? ""
            let kind = isSecret ? ResourceCatalog.secrets : ResourceCatalog.configMaps
            guard let object = await store.find(ObjectKey(kind, namespace: pod.namespace, name: objectName)) else {
                if spec["optional"].boolValue == true { return (podDirectory.appendingPathComponent("volumes/empty"), true) }
                throw Problem(volume: name, reason: "\(isSecret ? "secret" : "configmap") \"\(objectName)\" not found")
            }
            var files: [String: Data] = [:]
            for (key, value) in object["data"].objectValue ?? [:] {
                guard let text = value.stringValue else { continue }
                files[key] = isSecret ? Data(base64Encoded: text) ?? Data() : Data(text.utf8)
            }
            let source = podDirectory.appendingPathComponent("volumes/kubernetes.io~\(isSecret ? "secret" : "configmap")/\(name)")
            try write(files, items: spec["items"].arrayValue, mode: spec["defaultMode"].intValue ?? 0o644, to: source, volume: name)
            return (source, true)
        }
        let type = volume.objectValue?.keys.first { $0 != "name" } ?? "unknown"
        throw Problem(volume: name, reason: "the lab cannot mount \(type) volumes (it mounts persistentVolumeClaim, hostPath, emptyDir, configMap and secret)")
    }

    private static func create(_ directory: URL, volume: String) throws(Problem) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Problem(volume: volume, reason: "cannot create \(directory.path): \(error.localizedDescription)")
        }
    }

    /// The keys of a ConfigMap or Secret as files (all of them, or `items` key -> path),
    /// written afresh at every container start.
    private static func write(_ files: [String: Data], items: [JSON]?, mode: Int64, to directory: URL, volume: String) throws(Problem) {
        try? FileManager.default.removeItem(at: directory)
        try create(directory, volume: volume)
        let wanted: [(key: String, path: String, mode: Int64)] =
            items.map { $0.compactMap { item in
                item["key"].stringValue.map { ($0, item["path"].stringValue ?? $0, item["mode"].intValue ?? mode) }
            } } ?? files.keys.sorted().map { ($0, $0, mode) }
        for (key, path, fileMode) in wanted {
            guard let data = files[key] else { throw Problem(volume: volume, reason: "configmap or secret has no key \"\(key)\"") }
            let file = directory.appendingPathComponent(String(normalized(path).dropFirst()))
            do {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: file)
                try FileManager.default.setAttributes([.posixPermissions: Int(fileMode)], ofItemAtPath: file.path)
            } catch {
                throw Problem(volume: volume, reason: "cannot write \(path): \(error.localizedDescription)")
            }
        }
    }
}
