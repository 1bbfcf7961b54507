import FerryCore
import Foundation

/// What a person watches while a migration runs: the phases, a line per finished
/// step with its time, warnings in place, and (on a terminal) a spinner with the
/// elapsed time while a step waits. Plain lines without a TTY or with `NO_COLOR`;
/// one JSON object per line with `--json`.
final class RunPrinter: RunObserver, @unchecked Sendable {
    enum Style { case interactive, plain, json }

    private let style: Style
    private let lock = NSLock()
    /// What each step in flight waits for; two at once when a lane runs beside the
    /// main steps (`StepLane`). The spinner shows the newest.
    private var waiting: [(step: String, message: String, since: ContinuousClock.Instant)] = []
    private var spinner: Task<Void, Never>?
    private var frame = 0

    init(json: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
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
        case .waiting(let step, let message):
            let earlier = waiting.firstIndex { $0.step == step }
            if style == .plain, earlier.map({ waiting[$0].message }) != message { write("    ... waiting for \(message)\n") }
            let since = earlier.map { waiting.remove(at: $0).since } ?? .now
            waiting.append((step, message, since))
        case .warning(_, let message):
            write("    \(colour("warning", 33)): \(message)\n")
        case .stepFinished(let step, let title, let outcome, let elapsed, let message):
            waiting.removeAll { $0.step == step }
            let mark: String
            switch outcome {
            case .done, .undone: mark = colour("✓", 32)
            case .alreadyDone, .skipped: mark = colour("=", 36)
            case .failed: mark = colour("✗", 31)
            }
            let note = outcome == .alreadyDone ? " (already so)" : ""
            write("  \(mark) \(title)\(note)  \(Self.seconds(elapsed))\n")
            if let message, outcome == .failed {
                write(message.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)\n" }.joined())
            }
        }
        redrawLocked()
    }

    private func json(_ event: RunEvent) {
        var object: [String: Any] = ["time": Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))]
        switch event {
        case .phase(let phase): object["event"] = "phase"; object["phase"] = phase.rawValue
        case .stepStarted(let step, let title): object["event"] = "step-started"; object["step"] = step; object["title"] = title
        case .waiting(let step, let message): object["event"] = "waiting"; object["step"] = step; object["message"] = message
        case .warning(let step, let message): object["event"] = "warning"; object["step"] = step; object["message"] = message
        case .stepFinished(let step, let title, let outcome, let elapsed, let message):
            object["event"] = "step-finished"; object["step"] = step; object["title"] = title
            object["outcome"] = outcome.rawValue; object["seconds"] = Self.secondsValue(elapsed)
            if let message { object["message"] = message }
        }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
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
        write("\r\u{1B}[2K  \(frames[frame]) waiting for \(newest.message)  \(elapsed)\(others)")
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

    /// Through stdio, flushed, so lines keep their order with `print`'s.
    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    static func secondsValue(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func seconds(_ duration: Duration) -> String {
        let value = secondsValue(duration)
        return value < 60 ? String(format: "%.1fs", value) : "\(Int(value) / 60)m\(String(format: "%02d", Int(value) % 60))s"
    }
}
