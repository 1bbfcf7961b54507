import FerryJSON
import Foundation

/// Everything needed to talk to one cluster as one user: the resolved context.
/// Its description never shows a key, token or certificate.
public struct ClusterAccess: Sendable, CustomStringConvertible {
    public enum Credential: Sendable {
        case none
        case clientCertificate(certificatePEM: [UInt8], keyPEM: [UInt8])
        case token(String)
        case tokenFile(URL)
        case exec(ExecCredentialConfig)
    }

    public var contextName: String
    public var server: URL
    /// PEM of the CA bundle to trust; nil means the system trust store.
    public var certificateAuthorityPEM: [UInt8]?
    /// Only ever true when the kubeconfig itself turns verification off (`insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var credential: Credential
    /// The context's namespace, or `default`.
    public var namespace: String

    public var description: String {
        let auth: String
        switch credential {
        case .none: auth = "no credentials"
        case .clientCertificate: auth = "client certificate"
        case .token, .tokenFile: auth = "bearer token"
        case .exec(let config): auth = "exec plugin \(config.command)"
        }
        return "context \(contextName) -> \(server.absoluteString) (\(auth))"
    }

    public init(
        contextName: String, server: URL, certificateAuthorityPEM: [UInt8]?, insecureSkipTLSVerify: Bool = false,
        tlsServerName: String? = nil, credential: Credential, namespace: String = "default"
    ) {
        self.contextName = contextName
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.credential = credential
        self.namespace = namespace
    }

    init(_ config: Kubeconfig, context requested: String?) throws(KubeconfigError) {
        let files = config.files.map(\.path).joined(separator: ", ")
        guard let name = requested ?? config.currentContext else {
            throw .missing("no current context in \(files)", "Pass --context, or run `kubectl config use-context NAME`.")
        }
        guard let context = config.contexts[name] else {
            throw .missing("context \"\(name)\" not found in \(files)", "List contexts with `kubectl config get-contexts`.")
        }
        let clusterName = context.value["cluster"].stringValue ?? ""
        guard let cluster = config.clusters[clusterName] else {
            throw .invalid(context.file, "context \"\(name)\" names cluster \"\(clusterName)\", which is not defined")
        }
        guard let serverText = cluster.value["server"].stringValue, let server = URL(string: serverText),
            server.scheme == "https" || server.scheme == "http"
        else {
            throw .invalid(cluster.file, "cluster \"\(clusterName)\" has no valid https server URL")
        }
        contextName = name
        self.server = server
        insecureSkipTLSVerify = cluster.value["insecure-skip-tls-verify"].boolValue == true
        tlsServerName = cluster.value["tls-server-name"].stringValue
        certificateAuthorityPEM = try Self.material(
            cluster.value, data: "certificate-authority-data", file: "certificate-authority", relativeTo: cluster.file)
        namespace = context.value["namespace"].stringValue ?? "default"
        let userName = context.value["user"].stringValue ?? ""
        guard let user = config.users[userName] else {
            if userName.isEmpty {
                credential = .none
                return
            }
            throw .invalid(context.file, "context \"\(name)\" names user \"\(userName)\", which is not defined")
        }
        credential = try Self.credential(user.value, userName: userName, file: user.file)
    }

    private static func credential(_ user: JSON, userName: String, file: URL) throws(KubeconfigError) -> Credential {
        if let certificate = try material(user, data: "client-certificate-data", file: "client-certificate", relativeTo: file) {
            guard let key = try material(user, data: "client-key-data", file: "client-key", relativeTo: file) else {
                throw .invalid(file, "user \"\(userName)\" has a client certificate but no client-key or client-key-data")
            }
            return .clientCertificate(certificatePEM: certificate, keyPEM: key)
        }
        if let token = user["token"].stringValue, !token.isEmpty { return .token(token) }
        if let path = user["tokenFile"].stringValue, !path.isEmpty { return .tokenFile(resolve(path, relativeTo: file)) }
        if user["exec"] != .null { return .exec(try ExecCredentialConfig(user["exec"], file: file)) }
        if user["auth-provider"] != .null {
            throw .invalid(file, "user \"\(userName)\" uses an auth-provider, which kubectl removed; use an exec plugin")
        }
        return .none
    }

    /// Inline base64 data wins over a file, as in client-go.
    static func material(_ entry: JSON, data: String, file: String, relativeTo base: URL) throws(KubeconfigError) -> [UInt8]? {
        if let encoded = entry[data].stringValue, !encoded.isEmpty {
            guard let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw .invalid(base, "\(data) is not valid base64")
            }
            return Array(decoded)
        }
        guard let path = entry[file].stringValue, !path.isEmpty else { return nil }
        let url = resolve(path, relativeTo: base)
        guard let contents = FileManager.default.contents(atPath: url.path) else {
            throw .invalid(base, "\(file) \(url.path) cannot be read")
        }
        return Array(contents)
    }

    static func resolve(_ path: String, relativeTo file: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : file.deletingLastPathComponent().appendingPathComponent(path)
    }
}
