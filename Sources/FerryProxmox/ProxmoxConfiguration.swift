import Foundation

/// Where the Proxmox VE API is and how to trust and authenticate to it.
///
/// Read from the environment with the variables of the Terraform bpg/proxmox
/// provider, so a homelab that already has them set needs nothing new:
///
/// | variable | meaning |
/// | --- | --- |
/// | `PROXMOX_VE_ENDPOINT` | `https://HOST:8006/` (a trailing `api2/json` is accepted) |
/// | `PROXMOX_VE_API_TOKEN` | `USER@REALM!TOKENID=SECRET` |
/// | `PROXMOX_VE_FINGERPRINT` | optional: the server certificate's SHA-256, `AB:CD:...`, to pin |
/// | `PROXMOX_VE_INSECURE` | optional: `true` skips TLS verification (never the default) |
///
/// Without a fingerprint or `PROXMOX_VE_INSECURE=true`, the certificate is verified
/// against the system trust store and the host name, as a browser would.
///
/// ```swift
/// let configuration = try ProxmoxConfiguration(environment: ProcessInfo.processInfo.environment)
/// let client = ProxmoxClient(transport: HTTPSTransport(configuration: configuration))
/// ```
public struct ProxmoxConfiguration: Sendable {
    /// How the server's certificate is checked.
    public enum TLSTrust: Sendable, Equatable {
        /// The system's CA certificates and the host name (the default).
        case systemTrustStore
        /// Only a server whose leaf certificate has this SHA-256 fingerprint
        /// (Proxmox's self-signed `pve-ssl.pem` is usually trusted this way).
        case pinned(CertificateFingerprint)
        /// No verification at all: only when the user says `--insecure`.
        case insecure
    }

    public struct Timeouts: Sendable {
        public var connect: Duration = .seconds(10)
        /// For one request, from connecting to the last byte of the answer.
        public var request: Duration = .seconds(60)

        public init() {}
    }

    /// The API's base URL, `https://HOST:PORT` (requests go to `URL/api2/json/...`).
    public var url: URL
    public var token: ProxmoxToken
    public var trust: TLSTrust
    public var timeouts = Timeouts()

    public init(url: URL, token: ProxmoxToken, trust: TLSTrust = .systemTrustStore) throws(ProxmoxError) {
        self.url = try Self.baseURL(url.absoluteString, variable: "the Proxmox endpoint")
        self.token = token
        self.trust = trust
    }

    /// Reads the variables above from `environment`. Each error names the variable
    /// that is missing or malformed, and none contains the token's secret.
    public init(environment: [String: String]) throws(ProxmoxError) {
        guard let endpoint = Self.value("PROXMOX_VE_ENDPOINT", environment) else {
            throw .configuration("PROXMOX_VE_ENDPOINT is not set: set it to the API's URL, e.g. https://pve.example:8006/")
        }
        guard let tokenText = Self.value("PROXMOX_VE_API_TOKEN", environment) else {
            throw .configuration("PROXMOX_VE_API_TOKEN is not set: set it to an API token, USER@REALM!TOKENID=SECRET")
        }
        let token: ProxmoxToken
        do {
            token = try ProxmoxToken(parsing: tokenText)
        } catch {
            throw .configuration(error.description)
        }
        var trust = TLSTrust.systemTrustStore
        if let fingerprint = Self.value("PROXMOX_VE_FINGERPRINT", environment) {
            do {
                trust = .pinned(try CertificateFingerprint(parsing: fingerprint))
            } catch {
                throw .configuration("PROXMOX_VE_FINGERPRINT: \(error.description)")
            }
        }
        if let insecure = Self.value("PROXMOX_VE_INSECURE", environment) {
            switch insecure.lowercased() {
            case "1", "true", "yes", "on":
                guard trust == .systemTrustStore else {
                    throw .configuration(
                        "PROXMOX_VE_FINGERPRINT and PROXMOX_VE_INSECURE=true contradict each other: pin the certificate or skip verification, not both")
                }
                trust = .insecure
            case "0", "false", "no", "off": break
            default:
                throw .configuration("PROXMOX_VE_INSECURE is '\(insecure)': set it to true or false")
            }
        }
        self.url = try Self.baseURL(endpoint, variable: "PROXMOX_VE_ENDPOINT")
        self.token = token
        self.trust = trust
    }

    /// What the user must not miss about these settings, one line each: a TLS check
    /// turned off by a variable is easy to forget in a shell's environment, so every
    /// command that uses it says so.
    public var warnings: [String] {
        trust == .insecure ? ["PROXMOX_VE_INSECURE is set: the Proxmox API's TLS certificate is not verified"] : []
    }

    /// nil when neither `PROXMOX_VE_ENDPOINT` nor `PROXMOX_VE_API_TOKEN` is set (use
    /// SSH instead); an error when they are set but incomplete or malformed.
    public static func fromEnvironment(_ environment: [String: String]) throws(ProxmoxError) -> ProxmoxConfiguration? {
        guard value("PROXMOX_VE_ENDPOINT", environment) != nil || value("PROXMOX_VE_API_TOKEN", environment) != nil else {
            return nil
        }
        return try ProxmoxConfiguration(environment: environment)
    }

    /// `host:port` for messages.
    public var host: String { url.host ?? url.absoluteString }
    public var port: Int { url.port ?? 443 }

    private static func value(_ name: String, _ environment: [String: String]) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// `https://HOST[:PORT]`, with any `/api2/json` and trailing slashes removed.
    private static func baseURL(_ text: String, variable: String) throws(ProxmoxError) -> URL {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix("/api2/json") { text.removeLast("/api2/json".count) }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .configuration("\(variable) '\(text)' is not a URL: expected https://HOST:PORT/")
        }
        guard components.scheme?.lowercased() == "https" else {
            throw .configuration("\(variable) '\(text)' is not an https:// URL: the Proxmox API is served over HTTPS only")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil else {
            throw .configuration("\(variable) '\(text)' must be only https://HOST:PORT/, without a path, query or user")
        }
        return URL(string: text)!
    }
}
