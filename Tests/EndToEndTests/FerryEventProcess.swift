import FerryJSON
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
final class FerryEventProcess: @unchecked Sendable {
    let process = Process()
    let events: AsyncStream<FerryEvent>
    let err: URL
    private let exited: AsyncStream<Int32>

    init(_ ferry: URL, _ arguments: [String], scratch: URL) throws {
        err = scratch.appendingPathComponent("\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let pipe = Pipe()
        process.executableURL = ferry
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let (events, eventContinuation) = AsyncStream.makeStream(of: FerryEvent.self)
        self.events = events
        let (exited, exitContinuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        self.exited = exited
        process.terminationHandler = { exitContinuation.yield($0.terminationStatus); exitContinuation.finish() }
        try process.run()
        // Ends at EOF: when ferry and whatever it started that inherited its stdout are gone.
        let reading = pipe.fileHandleForReading
        Thread.detachNewThread {
            var buffer = Data()
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    if let event = FerryEvent(line: line) { eventContinuation.yield(event) }
                }
            }
            eventContinuation.finish()
        }
    }

    /// SIGKILL: no handler runs, nothing is flushed or cleaned up.
    func kill() {
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
    }

    func waitForExit() async -> Int32 {
        for await status in exited { return status }
        return process.terminationStatus
    }

    var killed: Bool { process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL }

    func stderr() -> String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
}
