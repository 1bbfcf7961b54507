import AsyncHTTPClient
import FerryJSON
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@testable import FerryLab

/// A whole lab with the frigate-coral homelab (Proxmox API included) in a fresh
/// directory, and an HTTPS client for its Proxmox API that trusts only the lab's
/// Proxmox CA.
struct HomelabFixture: Sendable {
    let lab: Lab
    let homelab: Homelab
    let proxmox: ProxmoxEndpoint
    let client: ProxmoxHTTPS
    let directory: URL

    static func with<T: Sendable>(
        faults: LabFaults = .init(), _ body: (HomelabFixture) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ferry-homelab-test-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes)
        configuration.homelab = .frigateCoral
        let lab = try await Lab.start(configuration)
        let homelab = try #require(lab.homelab)
        let proxmox = try #require(lab.proxmox)
        await homelab.setFaults(faults)
        let client = try ProxmoxHTTPS(endpoint: proxmox)
        let fixture = HomelabFixture(lab: lab, homelab: homelab, proxmox: proxmox, client: client, directory: directory)
        defer {
            lab.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            let result = try await body(fixture)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The Ready condition of a K8s node, as `kubectl get node` would show it.
    func readyCondition(_ node: String) async -> JSON? {
        await lab.kube.store.find(ObjectKey(ResourceCatalog.nodes, name: node))?.condition("Ready")
    }

    /// Waits until a task stopped and returns its status.
    func waitForTask(_ upid: String, node: String) async throws -> JSON {
        let client = client
        return try await eventually("task \(upid) stopped") { () -> JSON? in
            let reply = try await client.get("/nodes/\(node)/tasks/\(upid)/status")
            guard reply.body["data"]["status"].stringValue == "stopped" else { return Optional<JSON>.none }
            return reply.body["data"]
        }
    }

    /// Runs a command through the guest agent and waits for it to exit.
    func agentRun(_ command: [String], vm vmid: Int, node: String) async throws -> JSON {
        let client = client
        let started = try await client.post(
            "/nodes/\(node)/qemu/\(vmid)/agent/exec", json: ["command": .array(command.map { .string($0) })])
        try #require(started.status == 200, "\(started)")
        let pid = try #require(started.body["data"]["pid"].intValue)
        return try await eventually("\(command) exited in VM \(vmid)") { () -> JSON? in
            let reply = try await client.get("/nodes/\(node)/qemu/\(vmid)/agent/exec-status?pid=\(pid)")
            guard reply.body["data"]["exited"].intValue == 1 else { return Optional<JSON>.none }
            return reply.body["data"]
        }
    }

    /// Waits until the VM's guest agent answers a ping (the VM finished booting).
    func waitForAgent(vm vmid: Int, node: String) async throws {
        let client = client
        try await eventually("agent of VM \(vmid) answers") {
            try await client.post("/nodes/\(node)/qemu/\(vmid)/agent/ping").status == 200 ? true : nil
        }
    }
}

/// HTTPS requests to the lab's Proxmox API with its API token.
final class ProxmoxHTTPS: Sendable {
    struct Reply: Sendable, CustomStringConvertible {
        var status: Int
        var reason: String
        var body: JSON
        var text: String
        var description: String { "\(status) \(reason): \(text)" }
        /// Proxmox's error message (the body's `message`, without its newline).
        var message: String? {
            body["message"].stringValue.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
        }
    }

    let base: String
    let authorization: String
    private let client: HTTPClient

    init(endpoint: ProxmoxEndpoint, token: String? = nil) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(endpoint.caPEM.utf8)))
        base = endpoint.url + "api2/json"
        authorization = "PVEAPIToken=" + (token ?? endpoint.apiToken)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func shutdown() async throws { try await client.shutdown() }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String? = nil, authorization: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let header = authorization ?? Optional(self.authorization), !header.isEmpty {
            request.headers.add(name: "Authorization", value: header)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(20))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return Reply(status: Int(response.status.code), reason: response.status.reasonPhrase, body: (try? JSON.parse(text)) ?? .null, text: text)
    }

    func get(_ path: String) async throws -> Reply { try await request(.GET, path) }

    /// A form-encoded POST, as proxmoxer sends it.
    func post(_ path: String, form: String = "") async throws -> Reply { try await request(.POST, path, body: form) }

    func post(_ path: String, json: JSON) async throws -> Reply {
        try await request(.POST, path, body: json.serialized, contentType: "application/json")
    }

    func put(_ path: String, form: String) async throws -> Reply { try await request(.PUT, path, body: form) }

    func put(_ path: String, json: JSON) async throws -> Reply {
        try await request(.PUT, path, body: json.serialized, contentType: "application/json")
    }
}

/// `x=y` pairs form-encoded (`:` `,` `=` kept readable, as curl --data-urlencode would not).
func form(_ pairs: KeyValuePairs<String, String>) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:,")
    return pairs.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
}
