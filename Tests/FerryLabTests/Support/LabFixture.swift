import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The homelab's three nodes, by the role they play in the tests.
enum Node {
    /// Has one `nvidia.com/gpu` and the `nvidia` runtime handler.
    static let gpu = "k3s-vm-pumped-piglet-gpu"
    static let fawn = "k3s-vm-still-fawn"
    static let pve = "k3s-vm-pve"
}

/// One running lab in a fresh temporary directory, with kubectl and HTTPS clients for it.
struct LabFixture: Sendable {
    let lab: KubeLab
    let directory: URL
    let kubectl: Kubectl

    /// Starts a lab with the homelab's nodes, runs `body`, then stops the lab and
    /// removes its directory, whether `body` succeeded or not.
    static func with<T: Sendable>(
        timing: LabConfiguration.Timing = LabConfiguration.Timing(), _ body: (LabFixture) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ferry-lab-test-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lab: KubeLab
        do {
            lab = try await KubeLab.start(LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes, timing: timing))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let scratch = directory.appendingPathComponent("test-scratch", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let fixture = LabFixture(lab: lab, directory: directory, kubectl: Kubectl(kubeconfig: lab.kubeconfigPath, scratch: scratch))
        do {
            let result = try await body(fixture)
            lab.stop()
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            lab.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Where local-path keeps volume data on `node`, on this machine.
    func storageDirectory(on node: String) -> URL {
        directory.appendingPathComponent("nodes/\(node)/var/lib/rancher/k3s/storage", isDirectory: true)
    }

    /// The names of the volume directories local-path created on `node`.
    func volumeDirectories(on node: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: storageDirectory(on: node).path)) ?? []).sorted()
    }

    /// An HTTPS client trusting the lab's CA, presenting the admin client certificate
    /// unless `clientCertificate` is false.
    func https(clientCertificate: Bool = true) throws -> LabHTTPS {
        let pki = directory.appendingPathComponent("pki")
        let identity = clientCertificate
            ? PEMIdentity(
                certificatePEM: try String(contentsOf: pki.appendingPathComponent("admin.crt"), encoding: .utf8),
                privateKeyPEM: try String(contentsOf: pki.appendingPathComponent("admin.key"), encoding: .utf8),
                fingerprint: "")
            : nil
        return try LabHTTPS(
            baseURL: lab.serverURL, caPEM: try String(contentsOf: pki.appendingPathComponent("ca.crt"), encoding: .utf8),
            identity: identity)
    }

    /// kubectl get ... -o json, by kind and name, in `default`.
    func object(_ resource: String, _ name: String) async throws -> JSON {
        try await kubectl.json("get", resource, name)
    }

    /// Waits (on a watch of the lab's store, not by polling kubectl) until the object
    /// `resource/name` in `default` satisfies `condition`, and returns it.
    @discardableResult
    func waitFor(
        _ resource: String, _ name: String, _ what: String, timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation, until condition: @escaping @Sendable (JSON) -> Bool
    ) async throws -> JSON {
        let kind = try Self.kind(resource, sourceLocation: sourceLocation)
        let found = await lab.waitUntil(kind, namespace: kind.namespaced ? "default" : nil, timeout: timeout) { objects in
            objects.first { $0["metadata"]["name"].stringValue == name && condition($0) }
        }
        return try #require(found, "timed out waiting for \(resource)/\(name): \(what)", sourceLocation: sourceLocation)
    }

    /// Waits until the pods in `default` whose labels match `selector` (k=v,...) satisfy `condition`.
    @discardableResult
    func waitForPods(
        _ selector: String, _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping @Sendable ([JSON]) -> Bool
    ) async throws -> [JSON] {
        let wanted = selector.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        let found = await lab.waitUntil(ResourceCatalog.pods, namespace: "default", timeout: timeout) { pods in
            let matching = pods.filter { pod in wanted.allSatisfy { pod["metadata"]["labels"][$0[0]].stringValue == $0[1] } }
            return condition(matching) ? .array(matching) : nil
        }
        let pods = try #require(found, "timed out waiting for pods -l \(selector): \(what)", sourceLocation: sourceLocation)
        return pods.arrayValue ?? []
    }

    /// Waits until an Event about `object` with `reason` exists, and returns its message.
    func waitForEvent(about object: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let found = await lab.waitUntil(ResourceCatalog.events, namespace: "default", timeout: .seconds(20)) { events in
            events.first { $0["involvedObject"]["name"].stringValue == object && $0["reason"].stringValue == reason }
        }
        let event = try #require(found, "timed out waiting for a \(reason) event about \(object)", sourceLocation: sourceLocation)
        return event["message"].stringValue ?? ""
    }

    static func kind(_ resource: String, sourceLocation: SourceLocation) throws -> ResourceKind {
        let kinds: [String: ResourceKind] = [
            "pod": ResourceCatalog.pods, "pvc": ResourceCatalog.persistentVolumeClaims, "pv": ResourceCatalog.persistentVolumes,
            "deployment": ResourceCatalog.deployments, "configmap": ResourceCatalog.configMaps, "node": ResourceCatalog.nodes,
            "job": ResourceCatalog.jobs, "cronjob": ResourceCatalog.cronJobs, "endpoints": ResourceCatalog.endpoints,
        ]
        return try #require(kinds[resource], "no kind for \(resource)", sourceLocation: sourceLocation)
    }

    /// A barrier: a throwaway pod is created and becomes Ready, so the controllers
    /// have had several rounds since anything the test did before. Used before
    /// asserting that something has *not* happened.
    func settle() async throws {
        let name = "settle-\(UUID().uuidString.prefix(6).lowercased())"
        try await kubectl.succeed("run", name, "--image=busybox", "--command", "--", "sh", "-c", "sleep 3600")
        try await kubectl.succeed("wait", "--for=condition=Ready", "pod/\(name)", "--timeout=20s")
        try await kubectl.succeed("delete", "pod", name, "--wait=false")
    }
}

extension JSON {
    /// `status.conditions[type=TYPE]`.
    func condition(type: String) -> JSON? {
        self["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == type }
    }

    var isPodReady: Bool { condition(type: "Ready")?["status"].stringValue == "True" }
    var isTerminating: Bool { self["metadata"]["deletionTimestamp"].stringValue != nil }
}
