import Foundation

/// The lab's SSH client key pair: made by the real `ssh-keygen`, so that its private
/// key file is exactly what OpenSSH expects, and read back from its `.pub` file by the
/// endpoints, which accept that key and no other.
///
/// ```swift
/// let key = try await SSHKeys.clientKey(in: dir.appendingPathComponent("ssh"))
/// // DIR/ssh/id_ed25519 (0600) and DIR/ssh/id_ed25519.pub
/// key.publicKey.keyText  // "ssh-ed25519 AAAA..."
/// ```
public struct SSHKeys: Sendable {
    /// `DIR/id_ed25519`, the private key (mode 0600).
    public let privateKeyPath: URL
    /// `DIR/id_ed25519.pub`.
    public let publicKeyPath: URL
    /// The key the endpoints accept.
    public let publicKey: OpenSSHPublicKey

    /// The comment ssh-keygen writes into the key (`-C`).
    public static let comment = "ferry-lab"

    /// Returns the key pair in `directory`, generating it with
    /// `ssh-keygen -t ed25519 -N "" -q -f DIR/id_ed25519 -C ferry-lab` when it is not
    /// there yet. A key that exists is kept, so that a lab restarted in the same
    /// directory keeps the identity users may have copied; a broken one is an error.
    public static func clientKey(in directory: URL) async throws -> SSHKeys {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        let privateKey = directory.appendingPathComponent("id_ed25519")
        let publicKey = directory.appendingPathComponent("id_ed25519.pub")
        let manager = FileManager.default
        if !(manager.fileExists(atPath: privateKey.path) && manager.fileExists(atPath: publicKey.path)) {
            try? manager.removeItem(at: privateKey)
            try? manager.removeItem(at: publicKey)
            try await generate(at: privateKey)
        }
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: privateKey.path)
        let text = try String(contentsOf: publicKey, encoding: .utf8)
        let key: OpenSSHPublicKey
        do {
            key = try OpenSSHPublicKey(parsing: text)
        } catch {
            throw LabError(description: "\(publicKey.path): \(error); remove the key pair to have the lab make a new one")
        }
        return SSHKeys(privateKeyPath: privateKey, publicKeyPath: publicKey, publicKey: key)
    }

    /// Runs `ssh-keygen` (found on PATH) with an argv array, no shell.
    static func generate(at privateKey: URL, comment: String = SSHKeys.comment) async throws {
        let result: LabProcess.Result
        do {
            result = try await LabProcess.run(
                "ssh-keygen", ["-t", "ed25519", "-N", "", "-q", "-f", privateKey.path, "-C", comment])
        } catch {
            throw LabError(description: "could not run ssh-keygen (is OpenSSH installed?): \(error)")
        }
        guard result.succeeded else {
            throw LabError(
                description: "ssh-keygen exited \(result.status) making \(privateKey.path): "
                    + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
