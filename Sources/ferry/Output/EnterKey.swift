import FerryCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Enter on the terminal, for the physical move: whichever comes first of Enter and
/// the device appearing ends the wait, and Ctrl-C ends it too.
///
/// Read with read(2) on a thread of its own, never with stdio's `readLine`: glibc's
/// getline holds stdin's lock while it blocks, `fflush` of every stream waits for
/// that lock, and a printer flushing under its own lock then stopped the spinner and
/// every event until Enter. A pipe wakes the thread when the wait ends otherwise, so
/// no thread is left blocked in a read.
struct EnterKey: MoveConfirmation {
    let descriptor: Int32

    init(descriptor: Int32 = STDIN_FILENO) {
        self.descriptor = descriptor
    }

    func confirmed() async {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return await Self.never() }
        let (wake, wakeWrite) = (ends[0], ends[1])
        // Enter pressed before ferry asked (while it scaled down, say) is no answer to
        // a question not yet asked.
        tcflush(descriptor, TCIFLUSH)
        // The terminal's echo of Enter would move the cursor off the spinner's row and
        // leave that row behind: no echo while ferry listens, as `read -s` does.
        var saved = termios()
        let terminal = tcgetattr(descriptor, &saved) == 0
        if terminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(descriptor, TCSANOW, &quiet)
        }
        defer { if terminal { tcsetattr(descriptor, TCSANOW, &saved) } }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { [descriptor] in
                    Self.waitForEnter(descriptor, wake: wake)
                    close(wake)
                    continuation.resume()
                }
            }
        } onCancel: {
            _ = write(wakeWrite, "x", 1)
        }
        close(wakeWrite)
    }

    /// Returns at a line's end on `descriptor`, or when `wake` becomes readable. At the
    /// end of input (the terminal went away) it waits for `wake` only: the device may
    /// still appear.
    private static func waitForEnter(_ descriptor: Int32, wake: Int32) {
        var watching = true
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0), pollfd(fd: watching ? descriptor : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                guard errno == EINTR else {
                    var byte: UInt8 = 0
                    _ = read(wake, &byte, 1)
                    return
                }
                continue
            }
            if fds[0].revents != 0 { return }
            guard fds[1].revents != 0 else { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                if buffer[0..<count].contains(UInt8(ascii: "\n")) || buffer[0..<count].contains(UInt8(ascii: "\r")) { return }
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                watching = false
            }
        }
    }

    /// No pipe: Enter cannot be read, and the device's appearance (or Ctrl-C) ends the wait.
    private static func never() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
    }
}
