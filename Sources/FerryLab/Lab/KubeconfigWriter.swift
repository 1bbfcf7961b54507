import Foundation

/// Writes a kubeconfig in the shape K3s writes `/etc/rancher/k3s/k3s.yaml`: the CA and
/// the admin's client certificate inline as base64 data.
enum KubeconfigWriter {
    static func contents(server: String, caPEM: String, client: PEMIdentity, name: String = "default") -> String {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        return """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: \(b64(caPEM))
                server: \(server)
              name: \(name)
            contexts:
            - context:
                cluster: \(name)
                user: \(name)
              name: \(name)
            current-context: \(name)
            kind: Config
            preferences: {}
            users:
            - name: \(name)
              user:
                client-certificate-data: \(b64(client.certificatePEM))
                client-key-data: \(b64(client.privateKeyPEM))

            """
    }
}
