import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// Who may talk to the lab's apiserver: the holder of a client certificate from the
/// lab's CA, or of its admin token. Everyone else gets 401, as from K3s.
@Suite("Authentication")
struct AuthTests {
    @Test("a request without a client certificate gets 401 with an Unauthorized Status")
    func noCertificate() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https(clientCertificate: false)) { https in
                let reply = try await https.get("/api/v1/namespaces/default/pods")
                #expect(reply.status == 401)
                #expect(reply.body["kind"] == "Status")
                #expect(reply.body["reason"] == "Unauthorized")
                #expect(reply.body["code"] == 401)
                // Even discovery needs credentials.
                #expect(try await https.get("/api").status == 401)
                #expect(try await https.get("/version").status == 401)
            }
        }
    }

    @Test("the admin client certificate is accepted")
    func adminCertificate() async throws {
        try await LabFixture.with { lab in
            try await LabHTTPS.using(try lab.https()) { https in
                let reply = try await https.get("/api/v1/nodes")
                #expect(reply.status == 200)
                #expect(reply.body["kind"] == "NodeList")
                #expect(reply.body["items"].arrayValue?.count == 3)
            }
        }
    }

    @Test("a bearer token: the admin's works, any other gets 401")
    func bearerTokens() async throws {
        try await LabFixture.with { lab in
            let token = try String(contentsOf: lab.directory.appendingPathComponent("pki/admin.token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token == lab.lab.adminToken)
            let mode = try FileManager.default.attributesOfItem(atPath: lab.directory.appendingPathComponent("pki/admin.token").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            try await LabHTTPS.using(try lab.https(clientCertificate: false)) { https in
                #expect(try await https.request(.GET, "/api/v1/pods", bearer: token).status == 200)
                let wrong = try await https.request(.GET, "/api/v1/pods", bearer: "not-the-token")
                #expect(wrong.status == 401)
                #expect(wrong.body["reason"] == "Unauthorized")
            }
        }
    }

    @Test("a client certificate from a different CA is refused, even with the same CA name and user")
    func foreignCertificate() async throws {
        try await LabFixture.with { lab in
            let impostorCA = try LabCertificateAuthority(commonName: "k3s-server-ca")
            let impostor = try impostorCA.issueClient(user: "system:admin", groups: ["system:masters"])
            let caPEM = try String(contentsOf: lab.directory.appendingPathComponent("pki/ca.crt"), encoding: .utf8)
            try await LabHTTPS.using(try LabHTTPS(baseURL: lab.lab.serverURL, caPEM: caPEM, identity: impostor)) { https in
                // Refused in the TLS handshake (as Go's VerifyClientCertIfGiven does) or with 401: never served.
                let status: Int?
                do { status = try await https.get("/api/v1/pods").status } catch { status = nil }
                #expect(status == nil || status == 401, "got HTTP \(status.map(String.init) ?? "-")")
            }
        }
    }

    @Test("kubectl with a wrong token is told to log in, with a foreign certificate is refused, with the lab's credentials works")
    func kubectlCredentials() async throws {
        try await LabFixture.with { lab in
            let emptyConfig = lab.kubectl.scratch.appendingPathComponent("empty-kubeconfig")
            try Data("apiVersion: v1\nkind: Config\n".utf8).write(to: emptyConfig)
            let ca = lab.directory.appendingPathComponent("pki/ca.crt").path
            func kubectl(_ cache: String, _ arguments: [String]) async throws -> KubectlResult {
                try await lab.kubectl.run(
                    ["--kubeconfig", emptyConfig.path, "--cache-dir", lab.kubectl.scratch.appendingPathComponent(cache).path,
                     "--server", lab.lab.serverURL, "--certificate-authority", ca] + arguments,
                    withCredentials: false)
            }
            let wrongToken = try await kubectl("wrong", ["--token", "not-the-token", "get", "pods"])
            #expect(wrongToken.status == 1)
            #expect(wrongToken.stderr.contains("error: You must be logged in to the server"), "\(wrongToken)")

            let impostor = try LabCertificateAuthority(commonName: "k3s-server-ca").issueClient(user: "system:admin", groups: ["system:masters"])
            let certificate = lab.kubectl.scratch.appendingPathComponent("impostor.crt")
            let key = lab.kubectl.scratch.appendingPathComponent("impostor.key")
            try Data(impostor.certificatePEM.utf8).write(to: certificate)
            try Data(impostor.privateKeyPEM.utf8).write(to: key)
            let foreign = try await kubectl("foreign", ["--client-certificate", certificate.path, "--client-key", key.path, "get", "pods"])
            #expect(foreign.status == 1)
            #expect(foreign.stderr.contains("remote error: tls:") || foreign.stderr.contains("Unauthorized"), "\(foreign)")

            let withToken = try await kubectl("token", ["--token", lab.lab.adminToken, "get", "nodes", "-o", "name"])
            #expect(withToken.succeeded, "\(withToken)")
            #expect(withToken.stdout.split(separator: "\n").count == 3)

            let config = try String(contentsOf: lab.lab.kubeconfigPath, encoding: .utf8)
            #expect(config.contains("server: \(lab.lab.serverURL)"))
            #expect(config.contains("client-certificate-data:"))
            #expect(config.contains("certificate-authority-data:"))
        }
    }
}
