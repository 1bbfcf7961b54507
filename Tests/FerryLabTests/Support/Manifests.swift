/// YAML manifests for the objects the tests create with `kubectl apply`.
enum Manifest {
    /// A pod in `default`. `command` is run by the lab's shell runtime: `sleep` keeps
    /// it running, `exit N` ends it.
    static func pod(
        _ name: String, command: String = "sleep 3600", labels: [String: String] = [:], nodeSelector: [String: String] = [:],
        claim: String? = nil, runtimeClass: String? = nil, gpus: Int? = nil, restartPolicy: String? = nil,
        image: String = "busybox:1.36"
    ) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        \(map("labels", labels, indent: 2))
        spec:
        \(podSpec(command: command, image: image, nodeSelector: nodeSelector, claim: claim, runtimeClass: runtimeClass, gpus: gpus, restartPolicy: restartPolicy, indent: 2))
        """
    }

    static func deployment(
        _ name: String, replicas: Int = 1, strategy: String = "RollingUpdate", maxSurge: Int? = nil,
        maxUnavailable: Int? = nil, image: String = "busybox:1.36", command: String = "sleep 3600",
        nodeSelector: [String: String] = [:], claim: String? = nil
    ) -> String {
        var strategyYAML = "    type: \(strategy)"
        if let maxSurge, let maxUnavailable {
            strategyYAML += "\n    rollingUpdate: {maxSurge: \(maxSurge), maxUnavailable: \(maxUnavailable)}"
        }
        return """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: \(name)
              labels: {app: \(name)}
            spec:
              replicas: \(replicas)
              strategy:
            \(strategyYAML)
              selector:
                matchLabels: {app: \(name)}
              template:
                metadata:
                  labels: {app: \(name)}
                spec:
            \(podSpec(command: command, image: image, nodeSelector: nodeSelector, claim: claim, indent: 6))
            """
    }

    /// A claim in `default`; the lab's default class is `local-path`.
    static func claim(_ name: String, storageClass: String? = nil, size: String = "1Gi") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: \(name)
        spec:
          accessModes: [ReadWriteOnce]
        \(storageClass.map { "  storageClassName: \($0)" } ?? "")
          resources:
            requests: {storage: \(size)}
        """
    }

    /// A second local-path class, as a user adds one to keep data after a claim is deleted.
    static let retainClass = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata:
          name: local-path-retain
        provisioner: rancher.io/local-path
        reclaimPolicy: Retain
        volumeBindingMode: WaitForFirstConsumer
        """

    private static func podSpec(
        command: String, image: String = "busybox:1.36", nodeSelector: [String: String] = [:], claim: String? = nil,
        runtimeClass: String? = nil, gpus: Int? = nil, restartPolicy: String? = nil, indent: Int
    ) -> String {
        var lines: [String] = []
        if let restartPolicy { lines.append("restartPolicy: \(restartPolicy)") }
        if let runtimeClass { lines.append("runtimeClassName: \(runtimeClass)") }
        if !nodeSelector.isEmpty { lines.append(map("nodeSelector", nodeSelector, indent: 0)) }
        lines.append("containers:")
        lines.append("- name: main")
        lines.append("  image: \(image)")
        lines.append("  command: [\"sh\", \"-c\", \"\(command)\"]")
        if let gpus { lines.append("  resources: {limits: {nvidia.com/gpu: \(gpus)}}") }
        if claim != nil { lines.append("  volumeMounts: [{name: data, mountPath: /data}]") }
        if let claim { lines.append("volumes: [{name: data, persistentVolumeClaim: {claimName: \(claim)}}]") }
        let pad = String(repeating: " ", count: indent)
        return lines.flatMap { $0.split(separator: "\n") }.map { pad + $0 }.joined(separator: "\n")
    }

    private static func map(_ key: String, _ values: [String: String], indent: Int) -> String {
        guard !values.isEmpty else { return "" }
        let pad = String(repeating: " ", count: indent)
        let body = values.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ")
        return "\(pad)\(key): {\(body)}"
    }
}

extension Manifest {
    static func configMap(_ name: String, data: [String: String] = [:]) -> String {
        let body = data.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ")
        return """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: \(name)
            data: {\(body)}
            """
    }
}
