/// `debugPrint`, `dump` and string interpolation in tests and logs show the token
/// id only: the secret is a credential and is never printed.
extension ProxmoxToken: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { "ProxmoxToken(\(description), secret: <redacted>)" }

    public var customMirror: Mirror {
        Mirror(self, children: ["user": user, "realm": realm, "tokenID": tokenID, "secret": "<redacted>"], displayStyle: .struct)
    }
}
