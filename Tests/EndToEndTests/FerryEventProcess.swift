import FerryJSON
import FerryTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One line of `ferry run|resume|rollback --json`.
struct FerryEvent: Sendable, CustomStringConvertible {
    var event: String
    var step: String?
    var message: String?
    var outcome: String?
    var line: String

    init?(line: String) {
        guard let json = try? JSON.parse(line), let event = json["event"].stringValue else { return nil }
        self.event = event
        step = json["step"].stringValue
        message = json["message"].stringValue
        outcome = json["outcome"].stringValue
        self.line = line
    }

    var description: String {
        [event, step, outcome, message].compactMap { $0 }.joined(separator: " ")
    }
}

/// A `ferry ... --json` started by a test, whose events arrive as it prints them (a
/// pipe read on a thread of its own), so the test can act on one at once: SIGKILL the
/// process, or move the hardware as a person would.
final class FerryEventProcess: Sendable {
    let process: TestProcess
    let events: AsyncStream<FerryEvent>
    let err: URL

    init(_ ferry: URL, _ arguments: [String], scratch: URL) throws {
        err = scratch.appendingPathComponent("\(UUID().uuidString).err")
        process = try TestProcess(ferry.path, arguments, stdout: .pipe, stderr: err)
        let (events, eventContinuation) = AsyncStream.makeStream(of: FerryEvent.self)
        self.events = events
        // Ends at EOF: when ferry and whatever it started that inherited its stdout are gone.
        guard let reading = process.outputDescriptor else { throw SetupFailure(description: "no pipe for ferry's output") }
        Thread.detachNewThread {
            var buffer = Data()
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(reading, &chunk, chunk.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                buffer.append(contentsOf: chunk[..<count])
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    if let event = FerryEvent(line: line) { eventContinuation.yield(event) }
                }
            }
            close(reading)
            eventContinuation.finish()
        }
    }

    /// SIGKILL: no handler runs, nothing is flushed or cleaned up.
    func kill() {
        process.signal(SIGKILL)
    }

    /// SIGINT, as Ctrl-C sends it: ferry stops what it started and exits 130.
    func interrupt() {
        process.signal(SIGINT)
    }

    /// The exit status, or 128 + the signal that ended it.
    func waitForExit() async -> Int32 {
        await process.wait().status
    }

    var killed: Bool {
        get async { await process.wait() == .signaled(SIGKILL) }
    }

    func stderr() -> String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
}
