import FerryJSON
import FerryLab
import Foundation

@testable import FerryKube

/// A lab cluster in a fresh temporary directory for one test.
struct KubeLabFixture {
    let lab: KubeLab
    let directory: URL

    static func start() async throws -> KubeLabFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-kube-\(UUID().uuidString)")
        let lab = try await KubeLab.start(LabConfiguration(directory: directory, nodes: LabScenario.homelab.nodes))
        return KubeLabFixture(lab: lab, directory: directory)
    }

    func stop() {
        lab.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var kubeconfig: URL { lab.kubeconfigPath }
    var pki: URL { directory.appendingPathComponent("pki") }

    /// The lab's own kubeconfig, as a user's `--kubeconfig` would name it.
    func client() throws -> KubeClient {
        try KubeClient(access: KubeconfigLoader(environment: [:], homeDirectory: directory).access(explicitPath: kubeconfig.path))
    }

    /// Writes a kubeconfig file next to the lab's and returns its path.
    func write(_ name: String, _ text: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func caData() throws -> String {
        try Data(contentsOf: pki.appendingPathComponent("ca.crt")).base64EncodedString()
    }

    /// A kubeconfig for the lab with the given `user:` block (indented YAML lines).
    func kubeconfig(user: String, caData: String? = nil, insecure: Bool = false) throws -> String {
        let ca = try caData ?? self.caData()
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: lab
              cluster:
                server: \(lab.serverURL)
                certificate-authority-data: \(ca)
            \(insecure ? "    insecure-skip-tls-verify: true" : "")
            users:
            - name: someone
              user:
            \(user)
            contexts:
            - name: lab
              context:
                cluster: lab
                user: someone
                namespace: kube-system
            current-context: lab

            """
    }
}

/// Runs `body` with a started lab and always stops it.
func withLab(_ body: (KubeLabFixture) async throws -> Void) async throws {
    let fixture = try await KubeLabFixture.start()
    defer { fixture.stop() }
    try await body(fixture)
}
