import FerryCore
import Foundation

extension Connections {
    /// `Connections.open`, then its warnings on stderr, one line each: every command
    /// that talks to the systems says when a check is off, not only the first.
    static func openWarning(_ settings: ConnectionSettings) throws -> Connections {
        let connections = try open(settings)
        for warning in connections.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        return connections
    }
}
