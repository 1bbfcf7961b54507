import Foundation
import Testing

@testable import FerryProxmox

@Suite("Proxmox configuration from the environment")
struct ConfigurationTests {
    static let secret = "5f0c2b9e-topsecret"
    static let base = ["PROXMOX_VE_ENDPOINT": "https://pve.example:8006/", "PROXMOX_VE_API_TOKEN": "root@pam!ferry=\(secret)"]

    func expectError(_ environment: [String: String], mentions: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ProxmoxConfiguration(environment: environment)
            Issue.record("accepted \(environment.keys.sorted())", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .configuration, sourceLocation: sourceLocation)
            #expect(error.description.contains(mentions), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("topsecret"), sourceLocation: sourceLocation)
        }
    }

    @Test("endpoint and token give system trust by default; api2/json and slashes are dropped")
    func defaults() throws {
        var environment = Self.base
        environment["PROXMOX_VE_ENDPOINT"] = "https://pve.example:8006/api2/json/"
        let configuration = try ProxmoxConfiguration(environment: environment)
        #expect(configuration.url.absoluteString == "https://pve.example:8006")
        #expect(configuration.host == "pve.example")
        #expect(configuration.port == 8006)
        #expect(configuration.token.description == "root@pam!ferry")
        #expect(configuration.trust == .systemTrustStore)
    }

    @Test("a fingerprint pins, case- and colon-insensitively")
    func pinned() throws {
        let hex = String(repeating: "ab", count: 32)
        var environment = Self.base
        environment["PROXMOX_VE_FINGERPRINT"] = hex
        let lower = try ProxmoxConfiguration(environment: environment)
        environment["PROXMOX_VE_FINGERPRINT"] = Array(repeating: "AB", count: 32).joined(separator: ":")
        let upper = try ProxmoxConfiguration(environment: environment)
        #expect(lower.trust == upper.trust)
        guard case .pinned(let pin) = upper.trust else { Issue.record("not pinned"); return }
        #expect(pin.description == Array(repeating: "AB", count: 32).joined(separator: ":"))
        #expect(try CertificateFingerprint(parsing: "sha256 Fingerprint=\(hex)") == pin)
    }

    @Test("PROXMOX_VE_INSECURE=true skips verification; false keeps it")
    func insecure() throws {
        var environment = Self.base
        environment["PROXMOX_VE_INSECURE"] = "true"
        #expect(try ProxmoxConfiguration(environment: environment).trust == .insecure)
        environment["PROXMOX_VE_INSECURE"] = "false"
        #expect(try ProxmoxConfiguration(environment: environment).trust == .systemTrustStore)
    }

    @Test("PROXMOX_VE_INSECURE=true comes with a warning; verified settings with none")
    func insecureWarns() throws {
        var environment = Self.base
        #expect(try ProxmoxConfiguration(environment: environment).warnings == [])
        environment["PROXMOX_VE_INSECURE"] = "true"
        #expect(try ProxmoxConfiguration(environment: environment).warnings == [
            "PROXMOX_VE_INSECURE is set: the Proxmox API's TLS certificate is not verified",
        ])
    }

    @Test("each broken variable is named, and the secret never appears")
    func errors() {
        expectError([:], mentions: "PROXMOX_VE_ENDPOINT is not set")
        expectError(["PROXMOX_VE_ENDPOINT": "https://pve:8006"], mentions: "PROXMOX_VE_API_TOKEN is not set")
        expectError(["PROXMOX_VE_ENDPOINT": "https://pve:8006", "PROXMOX_VE_API_TOKEN": "root@pam=topsecret"], mentions: "PROXMOX_VE_API_TOKEN")
        expectError(Self.base.merging(["PROXMOX_VE_ENDPOINT": "http://pve:8006"]) { $1 }, mentions: "https://")
        expectError(Self.base.merging(["PROXMOX_VE_ENDPOINT": "pve:8006"]) { $1 }, mentions: "PROXMOX_VE_ENDPOINT")
        expectError(Self.base.merging(["PROXMOX_VE_FINGERPRINT": "AB:CD"]) { $1 }, mentions: "PROXMOX_VE_FINGERPRINT")
        expectError(Self.base.merging(["PROXMOX_VE_INSECURE": "maybe"]) { $1 }, mentions: "PROXMOX_VE_INSECURE")
        expectError(
            Self.base.merging(["PROXMOX_VE_INSECURE": "1", "PROXMOX_VE_FINGERPRINT": String(repeating: "0", count: 64)]) { $1 },
            mentions: "contradict")
    }

    @Test("no Proxmox variables at all is nil, not an error")
    func absent() throws {
        #expect(try ProxmoxConfiguration.fromEnvironment(["HOME": "/root"]) == nil)
        #expect(throws: ProxmoxError.self) { try ProxmoxConfiguration.fromEnvironment(["PROXMOX_VE_ENDPOINT": "https://pve:8006"]) }
    }

    @Test("dumping a configuration or its token never shows the secret")
    func redaction() throws {
        let configuration = try ProxmoxConfiguration(environment: Self.base)
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("topsecret"))
        #expect(!String(reflecting: configuration).contains("topsecret"))
        #expect(!String(describing: configuration).contains("topsecret"))
        #expect(!String(reflecting: configuration.token).contains("topsecret"))
    }

    @Test("a 401 names the token id and the variable, not the secret")
    func unauthorizedMessage() throws {
        let token = try ProxmoxToken(parsing: "root@pam!ferry=\(Self.secret)")
        let error = ProxmoxError.answer(
            status: 401, message: "invalid token value \(Self.secret)", request: "GET /version",
            server: "the Proxmox API at https://pve:8006", token: token)
        #expect(error.code == .unauthorized)
        #expect(error.description.contains("root@pam!ferry"))
        #expect(error.description.contains("PROXMOX_VE_API_TOKEN"))
        #expect(!error.description.contains("topsecret"))
    }

    @Test("names are checked before they reach a path or a command line")
    func names() {
        #expect(throws: Never.self) { try ProxmoxNames.checkNode("still-fawn") }
        for bad in ["", "-pve", "pve-", "still fawn", "pve;reboot", "a/b", String(repeating: "a", count: 64)] {
            #expect(throws: ProxmoxError.self, "\(bad)") { try ProxmoxNames.checkNode(bad) }
        }
        #expect(throws: Never.self) { try ProxmoxNames.checkVMID(108) }
        #expect(throws: ProxmoxError.self) { try ProxmoxNames.checkVMID(99) }
        #expect(throws: ProxmoxError.self) { try ProxmoxNames.checkVMID(1_000_000_000) }
        #expect(throws: ProxmoxError.self) { try ProxmoxNames.checkUSBID("18d1:") }
        #expect(throws: Never.self) { try ProxmoxNames.checkUPID("UPID:pve:00001234:00000001:65000000:qmreboot:108:root@pam:", node: "pve") }
        #expect(throws: ProxmoxError.self) { try ProxmoxNames.checkUPID("UPID:pve:1:1:1:qmreboot:108:root@pam:", node: "other") }
        #expect(throws: ProxmoxError.self) { try ProxmoxNames.checkUPID("UPID:pve:1:1:1:qm/../x:108:root@pam:", node: "pve") }
    }
}
