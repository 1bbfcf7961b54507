import Foundation
import Testing

/// A terminal a person sits at: a tmux window of 80 columns running one command,
/// read as its screen shows it (`capture-pane`), typed into with `send-keys`. The
/// command gets a real pseudo-terminal as stdin and stdout, and Ctrl-C reaches it as
/// a terminal sends it, through the line discipline to its process group.
final class Terminal: Sendable {
    static let tmux = "/usr/bin/tmux"
    let socket: URL
    let scratch: URL
    let width: Int

    /// Starts `command` (a shell command line) in `scratch`; the window stays after
    /// the command ends, so its exit status and last screen can be read.
    init(_ command: String, scratch: URL, width: Int = 80, height: Int = 24) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tmux) else {
            throw SetupFailure(description: "tmux not found at \(Self.tmux): the interactive tests drive ferry in a terminal (apt-get install tmux)")
        }
        self.scratch = scratch
        self.width = width
        socket = scratch.appendingPathComponent("tmux-\(UUID().uuidString.prefix(6))")
        let config = scratch.appendingPathComponent("tmux.conf")
        try "set -g remain-on-exit on\nset -g history-limit 10000\n".write(to: config, atomically: true, encoding: .utf8)
        let started = try await tmux([
            "-f", config.path, "new-session", "-d", "-x", String(width), "-y", String(height), "-c", scratch.path,
            // The status as a line of its own: this tmux leaves #{pane_dead_status} empty.
            // The shell that prints it shares the command's process group, so Ctrl-C
            // reaches it too: it waits instead of dying, as a login shell keeps out of
            // the way (a trap, unlike an ignored signal, is not inherited).
            "trap true INT; env -u NO_COLOR TERM=xterm-256color \(command); echo \"\(Self.exitMarker)$?]\"",
        ])
        guard started.status == 0 else { throw SetupFailure(description: "tmux new-session failed: \(started.stderr)") }
    }

    /// What the window shows now, one string per row, without trailing blanks.
    func screen() async throws -> [String] {
        try await capture(["-p"])
    }

    /// Everything the window has shown, its scrollback included, joined as it scrolled.
    func history() async throws -> [String] {
        try await capture(["-p", "-S", "-"])
    }

    /// Keys as tmux names them: "Enter", "C-c", or text.
    func send(_ keys: String...) async throws {
        _ = try await tmux(["send-keys", "-t", "0"] + keys)
    }

    static let exitMarker = "[command exited "

    /// The command's exit status once it has ended (the line the window prints then).
    func exitStatus() async throws -> Int32? {
        let marked = try await history().last { $0.hasPrefix(Self.exitMarker) }
        return marked.flatMap { Int32($0.dropFirst(Self.exitMarker.count).dropLast()) }
    }

    /// Reads the screen until `condition` holds for it, for at most `timeout`; throws
    /// with the last screen otherwise.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(90), _ condition: ([String]) async throws -> Bool) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let rows = try await screen()
            if try await condition(rows) { return rows }
            guard ContinuousClock.now < deadline else {
                throw SetupFailure(description: "the terminal never showed \(what) within \(timeout); it shows:\n" + rows.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits for the command to end and returns its status.
    func ended(timeout: Duration = .seconds(120)) async throws -> Int32 {
        var status: Int32?
        try await waitFor("the command's end", timeout: timeout) { _ in
            status = try await exitStatus()
            return status != nil
        }
        return status ?? -1
    }

    func close() async {
        _ = try? await tmux(["kill-server"])
    }

    private func capture(_ arguments: [String]) async throws -> [String] {
        let captured = try await tmux(["capture-pane", "-t", "0"] + arguments)
        var rows = captured.stdout.components(separatedBy: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
        while rows.last?.isEmpty == true { rows.removeLast() }
        return rows
    }

    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Self.tmux, ["-S", socket.path] + arguments, scratch: scratch)
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
