/// Builds command lines for a remote shell from argument arrays, so that no name,
/// path or value can be read as shell syntax on the other side.
public enum ShellQuoting {
    /// One argument, quoted only when it needs to be: `frigate` stays as is,
    /// `it's here` becomes `'it'"'"'s here'`.
    public static func quote(_ argument: String) -> String {
        guard !argument.isEmpty else { return "''" }
        let safe = argument.unicodeScalars.allSatisfy { scalar in
            safeCharacters.contains(scalar)
        }
        if safe { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\"'\"'") + "'"
    }

    /// A whole command line from its arguments.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map(quote).joined(separator: " ")
    }

    private static let safeCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,".unicodeScalars)
}
