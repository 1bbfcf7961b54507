import FerryCore
import Foundation

/// What a person watches while a migration runs: the phases, a line per finished
/// step with its time, warnings in place, and (on a terminal) a spinner with the
/// elapsed time while a step waits. Plain lines without a TTY or with `NO_COLOR`;
/// one JSON object per line with `--json`.
///
/// On a terminal the spinner's line is cut to the terminal's width, read again at
/// every frame: `\r` and erase-line clear one row only, so a line that wrapped left a
/// stale row behind at every frame. Notices are wrapped to the width; every other
/// event is one line, whatever its message holds (a pod's log can hold newlines and
/// escape sequences).
final class RunPrinter: RunObserver, @unchecked Sendable {
    enum Style { case interactive, plain, json }

    private let style: Style
    private let lock = NSLock()
    /// What each step in flight waits for; two at once when a lane runs beside the
    /// main steps (`StepLane`). The spinner shows the newest.
    private var waiting: [(step: String, message: String, since: ContinuousClock.Instant)] = []
    private var spinner: Task<Void, Never>?
    private var frame = 0

    /// The terminal's width, asked at each use (it changes when the window does).
    private let width: @Sendable () -> Int

    init(json: Bool, environment: [String: String] = ProcessInfo.processInfo.environment,
         width: @escaping @Sendable () -> Int = { TerminalWidth.of(STDOUT_FILENO) }) {
        self.width = width
        if json {
            style = .json
        } else if isatty(STDOUT_FILENO) == 1, environment["NO_COLOR"] == nil, environment["TERM"] != "dumb" {
            style = .interactive
        } else {
            style = .plain
        }
        if style == .interactive {
            spinner = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(120))
                    self?.redraw()
                }
            }
        }
    }

    deinit { spinner?.cancel() }

    func event(_ event: RunEvent) {
        lock.withLock {
            switch style {
            case .json: json(event)
            case .plain, .interactive: text(event)
            }
        }
    }

    private func text(_ event: RunEvent) {
        clearLine()
        switch event {
        case .phase(let phase):
            write("\n\(bold("==> \(phase.rawValue)"))\n")
        case .stepStarted:
            break
        case .waiting(let step, let rawMessage):
            let message = Self.oneLine(rawMessage)
            let earlier = waiting.firstIndex { $0.step == step }
            if style == .plain, earlier.map({ waiting[$0].message }) != message { write("    ... waiting for \(message)\n") }
            let since = earlier.map { waiting.remove(at: $0).since } ?? .now
            waiting.append((step, message, since))
        case .warning(_, let message):
            // "    warning: " is 13 columns; on a terminal the message wraps under itself.
            let lines = style == .interactive && width() - 13 >= 20
                ? TextWrap.lines(Self.oneLine(message), width: width() - 13) : [Self.oneLine(message)]
            write("    \(colour("warning", 33)): " + lines.joined(separator: "\n" + String(repeating: " ", count: 13)) + "\n")
        case .notice(_, let message):
            let lines = style == .interactive ? TextWrap.lines(Self.oneLine(message), width: width() - 6) : [Self.oneLine(message)]
            write("\n" + lines.enumerated().map { "  \($0.offset == 0 ? bold("→") : " ") \($0.element)\n" }.joined() + "\n")
        case .stepFinished(let step, let title, let outcome, let elapsed, let message):
            waiting.removeAll { $0.step == step }
            let mark: String
            switch outcome {
            case .done, .undone: mark = colour("✓", 32)
            case .alreadyDone, .skipped: mark = colour("=", 36)
            case .failed: mark = colour("✗", 31)
            }
            let note = outcome == .alreadyDone ? " (already so)" : ""
            let text = Self.oneLine(title) + note
            let time = "  " + Self.seconds(elapsed)
            // On a terminal a long title wraps under itself, the time after its last word.
            let room = width() - 4 - time.count
            if style == .interactive, text.count + 4 + time.count > width(), room >= 20 {
                let lines = TextWrap.lines(text, width: room)
                write(lines.enumerated().map { "  \($0.offset == 0 ? mark : " ") \($0.element)" }.joined(separator: "\n") + time + "\n")
            } else {
                write("  \(mark) \(text)\(time)\n")
            }
            if let message, outcome == .failed {
                write(message.split(separator: "\n", omittingEmptySubsequences: false).map { "    \(Self.printable($0))\n" }.joined())
            }
        }
        redrawLocked()
    }

    /// The last line of `--json`: the outcome, the downtime and the commit.
    func summary(_ fields: [String: Any]) {
        lock.withLock { writeJSON(fields) }
    }

    private func writeJSON(_ fields: [String: Any]) {
        var object = fields
        object["time"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    private func json(_ event: RunEvent) {
        var object: [String: Any] = [:]
        switch event {
        case .phase(let phase): object["event"] = "phase"; object["phase"] = phase.rawValue
        case .stepStarted(let step, let title): object["event"] = "step-started"; object["step"] = step; object["title"] = title
        case .waiting(let step, let message): object["event"] = "waiting"; object["step"] = step; object["message"] = message
        case .warning(let step, let message): object["event"] = "warning"; object["step"] = step; object["message"] = message
        case .notice(let step, let message): object["event"] = "notice"; object["step"] = step; object["message"] = message
        case .stepFinished(let step, let title, let outcome, let elapsed, let message):
            object["event"] = "step-finished"; object["step"] = step; object["title"] = title
            object["outcome"] = outcome.rawValue; object["seconds"] = Self.secondsValue(elapsed)
            if let message { object["message"] = message }
        }
        writeJSON(object)
    }

    private func redraw() {
        lock.withLock { redrawLocked() }
    }

    private func redrawLocked() {
        guard style == .interactive, let newest = waiting.last else { return }
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        frame = (frame + 1) % frames.count
        let elapsed = Self.seconds(newest.since.duration(to: .now))
        let others = waiting.count > 1 ? " (and \(waiting.count - 1) more)" : ""
        // The last column stays empty: a character there makes some terminals wrap.
        let line = Self.fit("  \(frames[frame]) waiting for \(newest.message)", keeping: "  \(elapsed)\(others)", width: width() - 1)
        write("\r\u{1B}[2K" + line)
    }

    private func clearLine() {
        if style == .interactive, !waiting.isEmpty { write("\r\u{1B}[2K") }
    }

    private func colour(_ text: String, _ code: Int) -> String {
        style == .interactive ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func bold(_ text: String) -> String {
        style == .interactive ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    /// Through stdio, flushed, so lines keep their order with `print`'s. Only stdout
    /// is flushed: flushing every stream takes stdin's lock too, which a blocked read
    /// of stdin holds.
    private func write(_ text: String) {
        print(text, terminator: "")
        StandardOutput.flush()
    }

    /// `head` cut (with "…") so that `head` + `tail` fit in `width` columns; `tail`
    /// (the elapsed time) is kept whole while there is room for it.
    static func fit(_ head: String, keeping tail: String, width: Int) -> String {
        guard head.count + tail.count > width else { return head + tail }
        let room = width - tail.count
        guard room >= 2 else { return String((head + tail).prefix(max(width, 0))) }
        return String(head.prefix(room - 1)) + "…" + tail
    }

    /// One line: line breaks and tabs become spaces, other control characters go.
    static func oneLine(_ text: String) -> String {
        let spaced = text.replacing(/\s*[\r\n\t]+\s*/, with: " ")
        return printable(Substring(spaced)).trimmingCharacters(in: .whitespaces)
    }

    /// Without control characters: an escape sequence in a pod's log must not move
    /// the cursor or recolour the terminal.
    static func printable(_ text: Substring) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control }))
    }

    static func secondsValue(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func seconds(_ duration: Duration) -> String {
        let value = secondsValue(duration)
        return value < 60 ? String(format: "%.1fs", value) : "\(Int(value) / 60)m\(String(format: "%02d", Int(value) % 60))s"
    }
}
