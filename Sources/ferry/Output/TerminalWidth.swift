import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The width of the terminal a descriptor writes to: the kernel's window size, then
/// `$COLUMNS`, then 80, the width a terminal opens at.
enum TerminalWidth {
    static func of(_ descriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }
}
