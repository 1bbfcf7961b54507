import ArgumentParser
import Foundation

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

/// Where a command's document goes: standard output, or the file named with `--out`,
/// which is never replaced without `--force` (exit 5, checked before any work).
struct OutputFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write it to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Replace the file given with --out if it exists.")
    var force = false

    var destination: URL? { out.map { URL(fileURLWithPath: $0) } }

    func validate() throws {
        if force && out == nil { throw ValidationError("--force replaces the file given with --out; without --out the result goes to standard output.") }
    }

    /// Exits 5 when the file exists and may not be replaced: before the work, not after.
    func refuseExisting() {
        if let destination, !force, FileManager.default.fileExists(atPath: destination.path) {
            CommandFailure.exit("\(destination.path) exists: choose another file, or add --force to replace it", code: 5)
        }
    }

    /// Prints `text`, or writes it to the file; returns the file written, if any.
    @discardableResult
    func emit(_ text: String, what: String) -> URL? {
        guard let destination else {
            print(text, terminator: "")
            return nil
        }
        do {
            try Data(text.utf8).write(to: destination, options: force ? [.atomic] : [.withoutOverwriting])
        } catch {
            CommandFailure.exit("cannot write the \(what) to \(destination.path): \((error as NSError).localizedDescription)", code: 5)
        }
        return destination
    }
}
