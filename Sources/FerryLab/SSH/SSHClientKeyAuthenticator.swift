import Foundation
import NIOCore
import NIOSSH
import Synchronization

/// Public-key user authentication that accepts the lab's client key and nothing else.
///
/// The user name is whatever the client sends (`root` on a Proxmox host, `ubuntu` on
/// a VM, anything else): the lab keeps no accounts, only the key decides. Passwords,
/// host-based and `none` attempts fail, and only `publickey` is offered, so OpenSSH
/// ends with "Permission denied (publickey)." as against a hardened sshd.
///
/// swift-nio-ssh checks the signature before asking; it answers a client's "would you
/// take this key?" probe with yes for any key, and the signed attempt that follows is
/// refused here.
final class SSHClientKeyAuthenticator: NIOSSHServerUserAuthenticationDelegate, Sendable {
    private let authorizedKey: OpenSSHPublicKey
    private let session: SSHSession

    init(authorizedKey: OpenSSHPublicKey, session: SSHSession) {
        self.authorizedKey = authorizedKey
        self.session = session
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(
        request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>
    ) {
        guard case .publicKey(let offer) = request.request, Self.key(offer.publicKey) == authorizedKey else {
            responsePromise.succeed(.failure)
            return
        }
        session.authenticated(as: request.username)
        responsePromise.succeed(.success)
    }

    /// The offered key in the lab's own form; nil for anything that is not Ed25519
    /// (swift-nio-ssh also takes ECDSA keys and certificates; the lab never issues them).
    static func key(_ key: NIOSSHPublicKey) -> OpenSSHPublicKey? {
        try? OpenSSHPublicKey(parsing: String(openSSHPublicKey: key))
    }
}

/// What one SSH connection knows about its client once authenticated: the user name
/// its session channels run commands as.
final class SSHSession: Sendable {
    private let state = Mutex<String?>(nil)

    init() {}

    var user: String? { state.withLock { $0 } }

    func authenticated(as user: String) {
        state.withLock { $0 = user }
    }
}
