// stdio's `stdout` is a C global; reading it is safe, and Glibc is not yet annotated for Swift 6.
#if canImport(Glibc)
@preconcurrency import Glibc
#else
import Darwin
#endif

/// stdout's stdio stream, flushed alone. `fflush(nil)` flushes every stream and so
/// takes stdin's lock too, which a read blocked on stdin holds: a flush of all of
/// them waited for a key press.
enum StandardOutput {
    static func flush() {
        fflush(stdout)
    }
}
