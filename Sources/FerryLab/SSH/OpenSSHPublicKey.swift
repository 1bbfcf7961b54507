import Crypto
import Foundation

/// An Ed25519 public key in OpenSSH's text form, `ssh-ed25519 BASE64 [comment]`, as
/// found in `id_ed25519.pub`, `authorized_keys` and (after a host name) `known_hosts`.
///
/// BASE64 is the SSH wire format (RFC 4253 section 6.6, RFC 8709): the string
/// `ssh-ed25519` then the 32-byte key as a string, each string a 4-byte big-endian
/// length followed by its bytes. Only Ed25519 is read: the lab makes every key itself.
///
/// ```swift
/// let key = try OpenSSHPublicKey(parsing: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... ferry-lab")
/// key.rawKey.count  // 32
/// ```
public struct OpenSSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    public static let ed25519Algorithm = "ssh-ed25519"

    /// The 32 bytes of the Ed25519 key.
    public let rawKey: Data
    /// Free text after the key (ssh-keygen's `-C`); not part of the key's identity.
    public var comment: String

    public init(ed25519 key: Curve25519.Signing.PublicKey, comment: String = "") {
        self.rawKey = key.rawRepresentation
        self.comment = comment
    }

    /// Reads one line of OpenSSH public key text. Throws, naming what is wrong, for
    /// another algorithm, bad base64, or wire data that is not a single Ed25519 key.
    public init(parsing line: String) throws {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard fields.count >= 2 else {
            throw LabError(description: "an OpenSSH public key is 'ssh-ed25519 BASE64 [comment]'; got '\(line.prefix(40))'")
        }
        guard fields[0] == Self.ed25519Algorithm else {
            throw LabError(description: "the lab reads only ssh-ed25519 keys; this one is \(fields[0])")
        }
        guard let wire = Data(base64Encoded: String(fields[1])) else {
            throw LabError(description: "the ssh-ed25519 key's base64 does not decode")
        }
        var reader = WireReader(bytes: wire)
        guard let algorithm = reader.string(), String(decoding: algorithm, as: UTF8.self) == Self.ed25519Algorithm,
            let key = reader.string(), key.count == 32, reader.isAtEnd
        else {
            throw LabError(description: "the ssh-ed25519 key's data is not the string 'ssh-ed25519' followed by a 32-byte key")
        }
        self.rawKey = key
        self.comment = fields.dropFirst(2).joined(separator: " ")
    }

    /// The key as swift-crypto reads it (to verify signatures or compare keys).
    public func cryptoKey() throws -> Curve25519.Signing.PublicKey {
        try Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
    }

    /// The SSH wire format: string "ssh-ed25519", string KEY.
    public var wireFormat: Data {
        var data = Data()
        for field in [Data(Self.ed25519Algorithm.utf8), rawKey] {
            withUnsafeBytes(of: UInt32(field.count).bigEndian) { data.append(contentsOf: $0) }
            data.append(field)
        }
        return data
    }

    /// `ssh-ed25519 BASE64`, without the comment: what follows the host name in `known_hosts`.
    public var keyText: String { "\(Self.ed25519Algorithm) \(wireFormat.base64EncodedString())" }

    /// `ssh-ed25519 BASE64 comment`, as in a `.pub` file.
    public var description: String { comment.isEmpty ? keyText : "\(keyText) \(comment)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawKey == rhs.rawKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawKey) }
}

/// Reads SSH wire-format strings (uint32 length, then that many bytes).
private struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: Data) { self.bytes = Array(bytes) }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func string() -> Data? {
        guard bytes.count - offset >= 4 else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        offset += 4
        guard bytes.count - offset >= length else { return nil }
        defer { offset += length }
        return Data(bytes[offset..<offset + length])
    }
}
