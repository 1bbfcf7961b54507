import FerryJSON
import FerryLab
import Foundation
import Testing

@testable import FerryKube

@Suite("Kubeconfig variants against the lab")
struct KubeconfigTests {
    @Test("the lab's K3s-shaped kubeconfig (inline certificate data) reaches the cluster")
    func inlineCertificates() async throws {
        try await withLab { lab in
            let client = try lab.client()
            #expect(try await client.serverVersion() == "v1.32.4+k3s1")
            #expect(try await client.list(Node.self).count == 3)
            await client.shutdown()
        }
    }

    @Test("certificate and key files are read relative to the kubeconfig")
    func certificateFiles() async throws {
        try await withLab { lab in
            let text = try lab.kubeconfig(user: "    client-certificate: pki/admin.crt\n    client-key: pki/admin.key")
            let path = try lab.write("files.yaml", text)
            let client = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: path.path))
            #expect(try await client.list(Node.self).count == 3)
            #expect(client.access.namespace == "kube-system")
            await client.shutdown()
        }
    }

    @Test("a bearer token, inline or from a token file, is accepted")
    func tokens() async throws {
        try await withLab { lab in
            let inline = try lab.write("token.yaml", try lab.kubeconfig(user: "    token: \(lab.lab.adminToken)"))
            let file = try lab.write("tokenfile.yaml", try lab.kubeconfig(user: "    tokenFile: pki/admin.token"))
            for path in [inline, file] {
                let client = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: path.path))
                #expect(try await client.list(Node.self).count == 3)
                await client.shutdown()
            }
        }
    }

    @Test("an exec credential plugin's token is used, and its failure quotes its stderr, not its stdout")
    func execPlugin() async throws {
        try await withLab { lab in
            let plugin = lab.directory.appendingPathComponent("cred-plugin.sh")
            try Data("""
                #!/bin/sh
                test "$LAB_MODE" = fail && { echo 'secret-on-stdout'; echo 'login expired: run sso login' >&2; exit 3; }
                printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat \(lab.pki.path)/admin.token)"

                """.utf8).write(to: plugin)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin.path)
            for mode in ["ok", "fail"] {
                let user = """
                        exec:
                          apiVersion: client.authentication.k8s.io/v1
                          command: ./cred-plugin.sh
                          env:
                          - name: LAB_MODE
                            value: \(mode)
                    """
                let path = try lab.write("exec-\(mode).yaml", try lab.kubeconfig(user: user))
                let client = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: path.path))
                defer { Task { await client.shutdown() } }
                if mode == "ok" {
                    #expect(try await client.list(Node.self).count == 3)
                } else {
                    let error = await #expect(throws: KubeClientError.self) { try await client.list(Node.self) }
                    #expect(error?.code == .credentials)
                    #expect(error?.description.contains("login expired: run sso login") == true)
                    #expect(error?.description.contains("secret-on-stdout") == false)
                }
            }
        }
    }

    @Test("KUBECONFIG files are merged in order and the first definition wins")
    func mergedKubeconfig() async throws {
        try await withLab { lab in
            let first = try lab.write("a.yaml", """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster:
                    server: \(lab.lab.serverURL)
                    certificate-authority-data: \(try lab.caData())
                users:
                - name: someone
                  user:
                    token: \(lab.lab.adminToken)

                """)
            let second = try lab.write("b.yaml", """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster:
                    server: https://127.0.0.1:1
                contexts:
                - name: lab
                  context: {cluster: lab, user: someone}
                current-context: lab

                """)
            let missing = lab.directory.appendingPathComponent("absent.yaml").path
            let loader = KubeconfigLoader(environment: ["KUBECONFIG": "\(first.path):\(missing):\(second.path)"], homeDirectory: lab.directory)
            let access = try loader.access()
            #expect(access.server.absoluteString == lab.lab.serverURL)
            let client = try KubeClient(access: access)
            #expect(try await client.list(Node.self).count == 3)
            await client.shutdown()
        }
    }

    @Test("a kubeconfig whose CA did not sign the server gives a TLS error naming the CA setting")
    func wrongCertificateAuthority() async throws {
        try await withLab { lab in
            let stranger = try LabCertificateAuthority(commonName: "some-other-cluster")
            let strangerData = Data(stranger.certificatePEM.utf8).base64EncodedString()
            let path = try lab.write("wrong-ca.yaml", try lab.kubeconfig(user: "    token: \(lab.lab.adminToken)", caData: strangerData))
            let client = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: path.path))
            let error = await #expect(throws: KubeClientError.self) { try await client.serverVersion() }
            #expect(error?.code == .tls)
            #expect(error?.description.contains("certificate-authority-data") == true)
            await client.shutdown()

            let insecure = try lab.write("insecure.yaml", try lab.kubeconfig(user: "    token: \(lab.lab.adminToken)", caData: strangerData, insecure: true))
            let trusting = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: insecure.path))
            #expect(try await trusting.serverVersion() == "v1.32.4+k3s1")
            await trusting.shutdown()
        }
    }

    @Test("a user without credentials is told the cluster refused them (401)")
    func unauthorized() async throws {
        try await withLab { lab in
            let path = try lab.write("anon.yaml", try lab.kubeconfig(user: "    {}"))
            let client = try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: lab.directory).access(explicitPath: path.path))
            let error = await #expect(throws: KubeClientError.self) { try await client.list(Node.self) }
            #expect(error?.code == .status(401, reason: "Unauthorized"))
            #expect(error?.description.contains("did not accept the credentials") == true)
            await client.shutdown()
        }
    }

    @Test("broken kubeconfigs are errors that name the file and the problem, never a fallback")
    func brokenKubeconfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-kc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.yaml")
        try Data("clusters:\n- name: x\n  cluster: [unclosed\n".utf8).write(to: broken)
        let loader = KubeconfigLoader(environment: [:], homeDirectory: directory)
        let syntax = #expect(throws: KubeconfigError.self) { try loader.load(explicitPath: broken.path) }
        #expect(syntax?.description.hasPrefix(broken.path + ":") == true)
        let absent = #expect(throws: KubeconfigError.self) { try loader.load() }
        #expect(absent?.description.contains(".kube/config") == true)
        let unknownContext = directory.appendingPathComponent("ctx.yaml")
        try Data("apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n".utf8).write(to: unknownContext)
        let context = #expect(throws: KubeconfigError.self) { try loader.access(explicitPath: unknownContext.path) }
        #expect(context?.description.contains("context \"nowhere\" not found") == true)
    }
}
