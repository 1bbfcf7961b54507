import Crypto
import Foundation

/// The SHA-256 fingerprint of a certificate (of its DER bytes), the value Proxmox
/// shows under Node > System > Certificates and `pvenode cert info` prints.
///
/// Parsing is case- and colon-insensitive: `AB:CD:...`, `abcd...` and
/// `sha256 Fingerprint=AB:CD:...` (as `openssl x509 -fingerprint -sha256` prints it)
/// are the same pin.
///
/// ```swift
/// let pin = try CertificateFingerprint(parsing: "6F:3A:...:9C")
/// pin == CertificateFingerprint(certificateDER: der)
/// ```
public struct CertificateFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    public init(certificateDER der: [UInt8]) {
        bytes = Array(SHA256.hash(data: der))
    }

    /// Parses 64 hex digits, with or without colons, spaces and an `sha256 Fingerprint=` prefix.
    public init(parsing text: String) throws(ProxmoxError) {
        var text = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if let equals = text.lastIndex(of: "=") { text = text[text.index(after: equals)...] }
        let digits = text.filter { $0 != ":" && $0 != " " && $0 != "-" }
        guard digits.count == 64, digits.allSatisfy(\.isHexDigit) else {
            throw .configuration(
                "'\(text)' is not a SHA-256 certificate fingerprint: expected 32 bytes in hex, as AB:CD:... (64 hex digits)")
        }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        self.bytes = bytes
    }

    /// `AB:CD:...`, uppercase, as Proxmox shows it.
    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
