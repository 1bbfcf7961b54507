import Foundation

extension GitOpsRepository {
    /// The reason given when the `pushRejected` fault is on and no other is set.
    public static let defaultPushRejection = "the lab's pushRejected fault is on: the Git server refuses every push"

    private var hook: URL { bareRepository.appendingPathComponent("hooks/pre-receive") }

    /// Whether pushes to the bare repository are being refused (the `pushRejected` fault).
    public var pushRejected: Bool { FileManager.default.fileExists(atPath: hook.path) }

    /// Switches the `pushRejected` fault: with a reason, every push is refused by a
    /// `pre-receive` hook that prints it (git shows it as `remote: REASON` and
    /// `! [remote rejected] main -> main (pre-receive hook declined)`); with nil,
    /// pushes work again.
    public func setPushRejected(_ reason: String?) throws {
        guard let reason else {
            if pushRejected { try FileManager.default.removeItem(at: hook) }
            return
        }
        let quoted = "'" + reason.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        let script = """
            #!/bin/sh
            # Installed by the ferry lab (fault pushRejected); remove this file to accept pushes again.
            printf '%s\\n' \(quoted) >&2
            exit 1

            """
        try FileManager.default.createDirectory(at: hook.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(script.utf8).write(to: hook, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
    }
}
