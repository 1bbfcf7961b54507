import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate and its private key, both PEM-encoded, as they are written into a
/// kubeconfig or handed to the TLS stack.
public struct PEMIdentity: Sendable {
    public var certificatePEM: String
    public var privateKeyPEM: String
    /// SHA-256 of the certificate's DER bytes, as `AB:CD:...` (how Proxmox shows it).
    public var fingerprint: String
}

/// The lab's own certificate authority, like the one K3s generates on first start:
/// it signs the API servers' certificates and the client certificates that
/// authenticate users (the CN is the user name, each O a group).
public struct LabCertificateAuthority: Sendable {
    public let certificatePEM: String
    private let key: P256.Signing.PrivateKey
    private let name: DistinguishedName

    public init(commonName: String) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        self.key = key
        self.name = name
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(10 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// A serving certificate for 127.0.0.1 and `localhost` (and any extra DNS names).
    public func issueServer(commonName: String, dnsNames: [String] = []) throws -> PEMIdentity {
        let names = (["localhost"] + dnsNames).map { GeneralName.dnsName($0) }
        let loopback = GeneralName.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))
        return try issue(subject: DistinguishedName { CommonName(commonName) }) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names + [loopback])
        }
    }

    /// A client certificate: Kubernetes reads the user from CN and groups from O.
    public func issueClient(user: String, groups: [String]) throws -> PEMIdentity {
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        return try issue(subject: subject) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    private func issue(
        subject: DistinguishedName, @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>
    ) throws -> PEMIdentity {
        let leafKey = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(365 * 86_400),
            issuer: name, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(builder: extensions),
            issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let digest = SHA256.hash(data: serializer.serializedBytes)
        return PEMIdentity(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: leafKey.pemRepresentation,
            fingerprint: digest.map { String(format: "%02X", $0) }.joined(separator: ":"))
    }
}
