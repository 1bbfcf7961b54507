import Crypto
import FerryJSON
import FerryKube
import Foundation

/// The short-lived pods that do a volume's work on a node: run a script against a
/// volume and hand back its exit status and output, or serve (the rsync receiver).
///
/// They carry the move's labels and a role, and are removed by label both before
/// and after each use, so a crash never leaves one behind for longer than the next
/// `ferry resume` or `ferry rollback`.
struct HelperPods: Sendable {
    static let mountPath = "/data"
    let move: VolumeMove

    var kube: KubeClient { move.kube }
    var namespace: String { move.namespace }

    struct Finished: Sendable {
        var exitCode: Int
        var log: String
        var reason: String?
    }

    /// A pod pinned to `node` (by its `kubernetes.io/hostname` label, so the
    /// scheduler, not ferry, places it and WaitForFirstConsumer volumes are
    /// provisioned there) mounting `claim` at /data.
    func spec(role: String, claim: String, readOnly: Bool, hostname: String, script: String, env: [String: JSON] = [:]) -> JSON {
        var labels = move.labels
        labels[VolumeMove.roleLabel] = role
        var environment: [JSON] = [
            ["name": "POD_IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
            // By reference: the pod's spec, and so the API and the journal, never holds it.
            ["name": "FERRY_RSYNC_SECRET", "valueFrom": ["secretKeyRef": ["name": .string(secretName), "key": .string(Self.secretKey)]]],
        ]
        for (name, value) in env.sorted(by: { $0.key < $1.key }) { environment.append(["name": .string(name), "value": value]) }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(move.podName(role)), "namespace": .string(namespace),
                "labels": .object(labels.mapValues(JSON.string)),
                "annotations": ["ferry.dev/purpose": .string("ferry migration \(move.plan.name): \(role) for volume \(move.claim)")],
            ],
            "spec": [
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 5,
                "nodeSelector": ["kubernetes.io/hostname": .string(hostname)],
                "containers": [[
                    "name": "ferry", "image": .string(move.image), "imagePullPolicy": "IfNotPresent",
                    "command": ["sh", "-c", .string(script)],
                    "env": .array(environment),
                    "volumeMounts": [["name": "data", "mountPath": .string(Self.mountPath), "readOnly": .bool(readOnly)]],
                ]],
                "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": .string(claim), "readOnly": .bool(readOnly)]]],
            ],
        ]
    }

    /// Creates the pod (a server) and waits until it has its IP, which the kubelet gives
    /// it with its sandbox, before the container starts: its clients can be created
    /// meanwhile and wait for it to listen (`started` says when it cannot).
    func start(_ pod: JSON, timeout: Duration) async throws -> Pod {
        let name = pod["metadata"]["name"].stringValue ?? ""
        try await kube.create(.pods, pod, namespace: namespace)
        return try await wait(name, timeout: timeout, what: "helper pod \(name) to get its address") { pod in
            if !(pod.json["status"]["podIP"].stringValue ?? "").isEmpty { return true }
            return pod.phase == "Succeeded" || pod.phase == "Failed" ? true : nil
        }
    }

    /// Waits until a pod `start`ed is past Pending (running, or ended first); fails as
    /// soon as it cannot start (its image, its config).
    func started(_ name: String, timeout: Duration) async throws -> Pod {
        try await wait(name, timeout: timeout, what: "helper pod \(name) to run") { pod in
            pod.phase == "Pending" ? nil : true
        }
    }

    /// Creates the pod, waits for it to end and reads its output. The exit status is
    /// the pod's, as the kubelet reports it. The pod stays until `removeAll`, which
    /// waits once for every pod of the pass instead of once for each.
    func run(_ pod: JSON, startTimeout: Duration, timeout: Duration) async throws -> Finished {
        let name = pod["metadata"]["name"].stringValue ?? ""
        try await kube.create(.pods, pod, namespace: namespace)
        return try await finished(name, startTimeout: startTimeout, timeout: timeout)
    }

    /// Waits for a pod this move created to end (Succeeded or Failed) and reads it.
    func finished(_ name: String, startTimeout: Duration, timeout: Duration) async throws -> Finished {
        _ = try await wait(name, timeout: startTimeout, what: "helper pod \(name) to start") { pod in
            pod.phase == "Pending" ? nil : true
        }
        let pod = try await wait(name, timeout: timeout, what: "helper pod \(name) to finish") { pod in
            pod.phase == "Succeeded" || pod.phase == "Failed" ? true : nil
        }
        return await outcome(of: pod)
    }

    /// Waits for a pod that serves until it is deleted (the receiver) to end anyway,
    /// and reads how it ended: the caller races this against the pods it serves.
    func ended(_ name: String, timeout: Duration) async throws -> Finished {
        let pod = try await wait(name, timeout: timeout, what: "helper pod \(name) to keep serving") { pod in
            pod.phase == "Succeeded" || pod.phase == "Failed" ? true : nil
        }
        return await outcome(of: pod)
    }

    /// How a pod that ended ended: its container's exit status and reason as the
    /// kubelet reports them, and its log.
    func outcome(of pod: Pod) async -> Finished {
        let terminated = (pod.json["status"]["containerStatuses"].arrayValue?.first ?? .null)["state"]["terminated"]
        let log = (try? await kube.logs(pod: pod.name, namespace: namespace)) ?? ""
        let code = Int(terminated["exitCode"].intValue ?? (pod.phase == "Succeeded" ? 0 : -1))
        return Finished(exitCode: code, log: log, reason: terminated["reason"].stringValue ?? pod.json["status"]["reason"].stringValue)
    }

    /// Waits on one pod's changes; fails at once when the pod cannot start (its image
    /// cannot be pulled, its config is wrong) or disappears.
    private func wait(_ name: String, timeout: Duration, what: String, until: @escaping @Sendable (Pod) -> Bool?) async throws -> Pod {
        let namespace = self.namespace
        let image = move.image
        let failure = StepFailure(
            "timed out waiting for \(what)",
            fix: "kubectl -n \(namespace) describe pod \(name) says why; fix it and run `ferry resume`")
        let kube = self.kube
        let result: Result<Pod, StepFailure> = try await move.timeout(failure) {
            try await kube.waitUntil(.pods, namespace: namespace, fieldSelector: "metadata.name=\(name)", timeout: timeout, waitingFor: what) {
                objects in Self.judge(objects.first, name: name, namespace: namespace, image: image, until: until)
            }
        }
        return try result.get()
    }

    /// What one look at the pod says: keep waiting (nil), done, or failed.
    private static func judge(
        _ object: JSON?, name: String, namespace: String, image: String, until: (Pod) -> Bool?
    ) -> Result<Pod, StepFailure>? {
        guard let object else {
            return .failure(StepFailure(
                "helper pod \(namespace)/\(name) was deleted while ferry waited for it",
                fix: "run `ferry resume` to copy again (it continues where the copy stopped)"))
        }
        let pod = Pod(json: object)
        if let failure = cannotStart(pod, image: image) { return .failure(failure) }
        guard until(pod) != nil else { return nil }
        return .success(pod)
    }

    private static func cannotStart(_ pod: Pod, image: String) -> StepFailure? {
        let waiting = (pod.json["status"]["containerStatuses"].arrayValue?.first ?? .null)["state"]["waiting"]
        guard let reason = waiting["reason"].stringValue else { return nil }
        let message = waiting["message"].stringValue.map { ": \($0)" } ?? ""
        switch reason {
        case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
            return StepFailure(
                "helper pod \(pod.name) cannot pull \(image) (\(reason)\(message))",
                fix: "let the node pull it (a registry mirror in /etc/rancher/k3s/registries.yaml keeps its name), then `ferry resume`; "
                    + "or `ferry rollback`, set the volume's `image` in the plan to a copy the nodes can pull, and run again")
        case "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
            return StepFailure("helper pod \(pod.name) cannot start (\(reason)\(message))",
                               fix: "kubectl -n \(pod.namespace) describe pod \(pod.name); then `ferry resume`")
        default:
            return nil
        }
    }

    static let secretKey = "password"
    /// The Secret that holds the pass's rsync secret: the receiver's daemon serves only
    /// whoever knows it, the sender of the pass.
    var secretName: String { move.podName("rsync") }

    /// A new random secret for the pass, in a Secret of the move's (labelled like its
    /// pods, so a crash leaves nothing that `removeAll` does not find).
    func makeSecret() async throws {
        _ = try await kube.delete(.secrets, secretName, namespace: namespace)
        var bytes = [UInt8](repeating: 0, count: 32)
        var random = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = random.next() }
        let secret = bytes.map { String(format: "%02x", $0) }.joined()
        var labels = move.labels
        labels[VolumeMove.roleLabel] = "rsync-secret"
        try await kube.create(.secrets, [
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": ["name": .string(secretName), "namespace": .string(namespace), "labels": .object(labels.mapValues(JSON.string))],
            "data": [.init(Self.secretKey): .string(Data(secret.utf8).base64EncodedString())],
        ], namespace: namespace)
    }

    /// The receiver an earlier pass left serving (`RsyncCopy.run(keepReceiver:)`),
    /// when it still does: running with its address, never restarted, its Secret
    /// there. Nil otherwise (gone, ended, its node rebooted).
    func servingReceiver() async throws -> Pod? {
        guard let json = try await kube.find(.pods, move.podName("receiver"), namespace: namespace) else { return nil }
        let pod = Pod(json: json)
        guard pod.phase == "Running", pod.restartCount == 0, json["metadata"]["deletionTimestamp"].isNull,
              !(json["status"]["podIP"].stringValue ?? "").isEmpty,
              try await kube.find(.secrets, secretName, namespace: namespace) != nil
        else { return nil }
        return pod
    }

    /// Deletes every helper pod of this volume (all roles) and the pass's Secret, and
    /// waits until the pods are gone.
    func removeAll() async throws {
        _ = try await kube.delete(.secrets, secretName, namespace: namespace)
        try await remove(move.selector)
    }

    /// Deletes the pods of every role but the receiver (an earlier pass's senders),
    /// and the sender started ahead when `keepingArmed`, and waits until they are gone.
    func removeSenders(keepingArmed: Bool = false) async throws {
        let roles = ["receiver"] + (keepingArmed ? [Self.armedRole] : [])
        try await remove(move.selector + ",\(VolumeMove.roleLabel) notin (\(roles.joined(separator: ",")))")
    }

    func create(_ pod: JSON) async throws {
        try await kube.create(.pods, pod, namespace: namespace)
    }

    /// The role of a sender started ahead of its pass (`RsyncCopy.arm`), and the
    /// annotation that says which receiver it sends to and what it does: the receiver's
    /// UID (one started again has another) and its stages.
    static let armedRole = "armed"
    static let armedAnnotation = "ferry.dev/armed-for"
    static func armedValue(receiver: Pod, stages: String) -> String {
        "\(receiver.json["metadata"]["uid"].stringValue ?? "") \(stages)"
    }

    /// The sender started ahead for a pass with `stages` beside `receiver`, when there is
    /// one not being deleted (running, or ended: `RsyncCopy` says why it cannot use it).
    func armed(beside receiver: Pod, stages: String) async throws -> Pod? {
        guard let json = try await kube.find(.pods, move.podName(Self.armedRole), namespace: namespace),
              json["metadata"]["deletionTimestamp"].isNull,
              json["metadata"]["annotations"][Self.armedAnnotation].stringValue == Self.armedValue(receiver: receiver, stages: stages)
        else { return nil }
        return Pod(json: json)
    }

    /// ferry's word to a sender started ahead, through the API server's pod proxy: the
    /// SHA-256, in hex, of the pass's secret with a purpose of its own
    /// (`Scripts/sender.sh`), so the secret itself never leaves the cluster's Secret.
    /// Asked again while nothing listens (the API server's 503), until `timeout`.
    func word(to pod: Pod, timeout: Duration) async throws -> (status: Int, text: String) {
        guard let secret = try await kube.find(.secrets, secretName, namespace: namespace),
              let encoded = secret["data"][Self.secretKey].stringValue, let value = Data(base64Encoded: encoded)
        else { return (404, "the pass's Secret \(secretName) is gone") }
        let token = SHA256.hash(data: Data("ferry-final-pass-word:".utf8) + value).map { String(format: "%02x", $0) }.joined()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let answer = try await kube.podProxyPost(
                pod: pod.name, namespace: namespace, port: RsyncCopy.wordPort, path: "/", text: token + "\n",
                timeout: max(.milliseconds(100), deadline - clock.now))
            guard answer.status == 503, clock.now < deadline else { return answer }
            try await clock.sleep(for: .milliseconds(20))
        }
    }

    private func remove(_ selector: String) async throws {
        let pods = try await kube.list(.pods, namespace: namespace, labelSelector: selector).items
        for pod in pods {
            try await kube.delete(.pods, pod["metadata"]["name"].stringValue ?? "", namespace: namespace)
        }
        guard !pods.isEmpty else { return }
        _ = try await kube.waitUntil(.pods, namespace: namespace, labelSelector: selector, timeout: .seconds(60),
                                     waitingFor: "the helper pods of \(move.claim) to go") { $0.isEmpty ? true : nil }
    }
}
