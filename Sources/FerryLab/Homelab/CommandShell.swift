import Foundation

/// The little shell around `VMCommands` and `HostCommands`: `sh -c '...'`, `;`,
/// `&&`, `||`, pipelines into `grep`, `head` and `wc -l`, `sudo`, `echo`, `true`
/// and `false`. Everything else goes to `program`, which answers nil for a command
/// it does not know (bash's "command not found", exit 127).
struct CommandShell: Sendable {
    /// argv, stdin, whether the caller is root -> result, or nil when there is no such program.
    let program: @Sendable (_ argv: [String], _ stdin: String, _ root: Bool) async -> CommandResult?
    let root: Bool

    func run(_ argv: [String], stdin: String = "") async -> CommandResult {
        var output = CommandResult()
        var skip = false
        var index = argv.startIndex
        while index < argv.endIndex {
            let end = argv[index...].firstIndex { [";", "&&", "||"].contains($0) } ?? argv.endIndex
            if !skip {
                let result = await pipeline(Array(argv[index..<end]), stdin: stdin)
                output.stdout += result.stdout
                output.stderr += result.stderr
                output.exitCode = result.exitCode
            }
            guard end < argv.endIndex else { break }
            switch argv[end] {
            case "&&": skip = output.exitCode != 0
            case "||": skip = output.exitCode == 0
            default: skip = false
            }
            index = argv.index(after: end)
        }
        return output
    }

    private func pipeline(_ words: [String], stdin: String) async -> CommandResult {
        var input = stdin
        var stderr = ""
        var last = CommandResult()
        for stage in words.split(separator: "|", omittingEmptySubsequences: false) {
            last = await simple(Array(stage), stdin: input)
            input = last.stdout
            stderr += last.stderr
        }
        last.stderr = stderr
        return last
    }

    private func simple(_ argv: [String], stdin: String) async -> CommandResult {
        guard let command = argv.first else { return CommandResult() }
        let args = Array(argv.dropFirst())
        switch command {
        case "sh", "bash", "/bin/sh", "/bin/bash":
            guard args.first == "-c", args.count >= 2 else { return .failure("\(command): interactive shells are not available in the lab", exitCode: 2) }
            guard let words = try? ShellWords.split(args[1]) else {
                return .failure("\(command): -c: line 1: unexpected EOF while looking for matching quote", exitCode: 2)
            }
            return await run(words, stdin: stdin)
        case "sudo":
            return await CommandShell(program: program, root: true).run(Array(args.drop { $0.hasPrefix("-") }), stdin: stdin)
        case "echo":
            let newline = args.first != "-n"
            return CommandResult(stdout: args.drop { $0 == "-n" }.joined(separator: " ") + (newline ? "\n" : ""))
        case "true", ":": return CommandResult()
        case "false": return CommandResult(exitCode: 1)
        case "grep": return Self.grep(args, stdin: stdin)
        case "head":
            var count = 10
            if let n = args.firstIndex(of: "-n"), n + 1 < args.count { count = Int(args[n + 1]) ?? 10 }
            if let flag = args.first(where: { $0.hasPrefix("-") && Int($0.dropFirst()) != nil }) { count = Int(flag.dropFirst())! }
            return CommandResult(stdout: Self.lines(stdin).prefix(count).map { $0 + "\n" }.joined())
        case "wc":
            return CommandResult(stdout: "\(Self.lines(stdin).count)\n")
        case "cat" where args.isEmpty:
            return CommandResult(stdout: stdin)
        default:
            return await program(argv, stdin, root) ?? .notFound(command)
        }
    }

    /// `grep [-E] [-i] [-q] [-v] [-c] PATTERN`: exit 1 when nothing matched.
    static func grep(_ args: [String], stdin: String) -> CommandResult {
        var flags = Set<Character>()
        var pattern: String?
        for arg in args {
            if arg.hasPrefix("-"), pattern == nil, arg.count > 1 { flags.formUnion(arg.dropFirst()) } else if pattern == nil { pattern = arg }
        }
        guard let pattern else { return .failure("Usage: grep [OPTION]... PATTERNS [FILE]...", exitCode: 2) }
        let basic = flags.contains("E") ? pattern : pattern.replacingOccurrences(of: #"\|"#, with: "|")
        guard var regex = try? Regex(basic) else { return .failure("grep: Invalid regular expression", exitCode: 2) }
        if flags.contains("i") { regex = regex.ignoresCase() }
        let matched = lines(stdin).filter { ($0.firstMatch(of: regex) != nil) != flags.contains("v") }
        let code: Int32 = matched.isEmpty ? 1 : 0
        if flags.contains("q") { return CommandResult(exitCode: code) }
        if flags.contains("c") { return CommandResult(stdout: "\(matched.count)\n", exitCode: code) }
        return CommandResult(stdout: matched.map { $0 + "\n" }.joined(), exitCode: code)
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
