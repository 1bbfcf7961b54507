import FerryJSON
import FerryRemote
import Foundation

/// A kubeconfig `exec` credential plugin (client.authentication.k8s.io v1 or
/// v1beta1), as used by cloud CLIs and OIDC helpers.
public struct ExecCredentialConfig: Sendable {
    public var apiVersion: String
    public var command: String
    public var args: [String]
    public var env: [String: String]
    /// The directory of the kubeconfig, against which a relative command resolves.
    public var baseDirectory: URL

    init(_ exec: JSON, file: URL) throws(KubeconfigError) {
        guard let command = exec["command"].stringValue, !command.isEmpty else {
            throw .invalid(file, "exec credential plugin has no command")
        }
        let version = exec["apiVersion"].stringValue ?? ""
        guard ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"].contains(version) else {
            throw .invalid(file, "exec plugin apiVersion \"\(version)\" is not supported; use client.authentication.k8s.io/v1")
        }
        apiVersion = version
        self.command = command
        args = (exec["args"].arrayValue ?? []).compactMap(\.stringValue)
        env = Dictionary(
            (exec["env"].arrayValue ?? []).compactMap { item in
                item["name"].stringValue.map { ($0, item["value"].stringValue ?? "") }
            }, uniquingKeysWith: { _, last in last })
        baseDirectory = file.deletingLastPathComponent()
    }
}

/// What an exec plugin produced.
public struct ExecCredential: Sendable {
    public enum Material: Sendable {
        case token(String)
        case clientCertificate(certificatePEM: [UInt8], keyPEM: [UInt8])
    }

    public var material: Material
    public var expires: Date?
}

extension ExecCredentialConfig {
    /// Runs the plugin and reads its ExecCredential. Errors quote the plugin's
    /// stderr (its own explanation), never its stdout (which holds the secret).
    func obtain(using runner: any ProcessRunner) async throws(KubeClientError) -> ExecCredential {
        let executable = command.hasPrefix(".") ? baseDirectory.appendingPathComponent(command).path : command
        let info: JSON = ["apiVersion": .string(apiVersion), "kind": "ExecCredential", "spec": ["interactive": false]]
        var environment = env
        environment["KUBERNETES_EXEC_INFO"] = info.serialized
        let result: CommandOutput
        do {
            result = try await runner.run(executable, args, environment: environment, stdin: nil, workingDirectory: nil)
        } catch {
            throw .credentials("exec plugin \(command) could not be started: \(error.localizedDescription)")
        }
        guard result.exitCode == 0 else {
            let reason = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .credentials("exec plugin \(command) exited with status \(result.exitCode): \(reason)")
        }
        guard let output = try? JSON.parse(result.stdout), output["kind"].stringValue == "ExecCredential" else {
            throw .credentials("exec plugin \(command) did not print an ExecCredential")
        }
        let status = output["status"]
        let expires = status["expirationTimestamp"].stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        if let token = status["token"].stringValue, !token.isEmpty {
            return ExecCredential(material: .token(token), expires: expires)
        }
        if let cert = status["clientCertificateData"].stringValue, let key = status["clientKeyData"].stringValue {
            return ExecCredential(material: .clientCertificate(certificatePEM: Array(cert.utf8), keyPEM: Array(key.utf8)), expires: expires)
        }
        throw .credentials("exec plugin \(command) returned neither a token nor a client certificate")
    }
}
