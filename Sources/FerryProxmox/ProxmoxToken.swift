/// A Proxmox VE API token, `USER@REALM!TOKENID=SECRET` (the form of
/// `PROXMOX_VE_API_TOKEN`). Its description hides the secret.
public struct ProxmoxToken: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var realm: String
    public var tokenID: String
    public var secret: String

    public init(user: String, realm: String, tokenID: String, secret: String) {
        self.user = user
        self.realm = realm
        self.tokenID = tokenID
        self.secret = secret
    }

    /// Parses `root@pam!ferry=SECRET`; the error says which part is missing, never the secret.
    public init(parsing text: String) throws(ProxmoxTokenError) {
        guard let equals = text.firstIndex(of: "=") else { throw .malformed("no '=SECRET' after the token id") }
        let identity = text[..<equals]
        let secret = text[text.index(after: equals)...]
        guard let bang = identity.firstIndex(of: "!") else { throw .malformed("no '!TOKENID' after USER@REALM") }
        let userRealm = identity[..<bang]
        let tokenID = identity[identity.index(after: bang)...]
        guard let at = userRealm.lastIndex(of: "@") else { throw .malformed("no '@REALM' in the user") }
        let user = userRealm[..<at]
        let realm = userRealm[userRealm.index(after: at)...]
        guard !user.isEmpty, !realm.isEmpty, !tokenID.isEmpty, !secret.isEmpty else {
            throw .malformed("user, realm, token id and secret must all be non-empty")
        }
        self.init(user: String(user), realm: String(realm), tokenID: String(tokenID), secret: String(secret))
    }

    /// The `Authorization` header value.
    public var headerValue: String { "PVEAPIToken=\(user)@\(realm)!\(tokenID)=\(secret)" }

    /// Whether this is root's token: non-root tokens must use resource mappings for USB.
    public var isRoot: Bool { user == "root" && realm == "pam" }

    public var description: String { "\(user)@\(realm)!\(tokenID)" }
}

public struct ProxmoxTokenError: Error, Sendable, CustomStringConvertible {
    public var description: String

    static func malformed(_ problem: String) -> ProxmoxTokenError {
        ProxmoxTokenError(
            description: "PROXMOX_VE_API_TOKEN is not of the form USER@REALM!TOKENID=SECRET: \(problem)")
    }
}
