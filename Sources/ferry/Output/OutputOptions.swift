import ArgumentParser

/// How a command prints its result. One flag for it on every command, as kubectl
/// has: `-o/--output FORMAT`, with `--json` short for `-o json`. A command takes the
/// formats that fit what it prints, and refuses the others by name.
enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, yaml

    /// `-o FILE` wrote a plan to a file once: a value that is no format says where a
    /// file goes now.
    static func parse(_ argument: String) throws -> OutputFormat {
        guard let format = OutputFormat(rawValue: argument.lowercased()) else {
            throw ValidationError("'\(argument)' is not an output format (table, json, yaml); to write the plan to a file: --out FILE")
        }
        return format
    }
}

struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Output format (table, json or yaml, as the command takes).", valueName: "format"),
            transform: OutputFormat.parse)
    var output: OutputFormat?

    @Flag(help: "Short for -o json.")
    var json = false

    /// The format asked for, or `fallback`; throws when the command cannot print it.
    func format(_ allowed: [OutputFormat], fallback: OutputFormat) throws -> OutputFormat {
        if json, let output, output != .json {
            throw ValidationError("--json and -o \(output.rawValue) disagree: give one of them")
        }
        let format = json ? .json : output ?? fallback
        guard allowed.contains(format) else {
            throw ValidationError("this command prints \(allowed.map(\.rawValue).joined(separator: " or ")), not \(format.rawValue)")
        }
        return format
    }
}
