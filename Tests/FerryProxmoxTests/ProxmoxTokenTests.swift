import FerryProxmox
import Testing

@Suite("Proxmox API tokens")
struct ProxmoxTokenTests {
    @Test("a token parses into user, realm, token id and secret")
    func parses() throws {
        let token = try ProxmoxToken(parsing: "root@pam!ferry=0b7e5e4c-secret")
        #expect(token.user == "root")
        #expect(token.realm == "pam")
        #expect(token.tokenID == "ferry")
        #expect(token.secret == "0b7e5e4c-secret")
        #expect(token.isRoot)
        #expect(token.headerValue == "PVEAPIToken=root@pam!ferry=0b7e5e4c-secret")
    }

    @Test("a user with @ in it keeps the last @ for the realm")
    func userWithAt() throws {
        let token = try ProxmoxToken(parsing: "ops@example.com@pve!ci=s3cret")
        #expect(token.user == "ops@example.com")
        #expect(token.realm == "pve")
        #expect(!token.isRoot)
    }

    @Test("a malformed token is refused without its secret in the error", arguments: [
        "root@pam!ferry", "root@pam=topsecret", "root!ferry=topsecret", "@pam!ferry=topsecret", "root@pam!ferry=",
    ])
    func malformed(_ text: String) {
        do {
            _ = try ProxmoxToken(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description.contains("PROXMOX_VE_API_TOKEN"))
            #expect(!error.description.contains("topsecret"))
        }
    }

    @Test("the token's description hides the secret")
    func description() throws {
        let token = try ProxmoxToken(parsing: "root@pam!ferry=topsecret")
        #expect(String(describing: token) == "root@pam!ferry")
        #expect(!"\(token)".contains("topsecret"))
    }
}
