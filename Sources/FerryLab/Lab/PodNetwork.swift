import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lab's pod network: a /16 of 127/8 of its own (`127.X.0.0/16`, node N getting
/// `127.X.N.0/24`), held for as long as the lab lives, so that labs running side by
/// side on one machine (tests in parallel, a demo beside a lab) never hand two pods
/// the same IP: two rsync receivers on one address and port would collide.
///
/// The hold is an flock on `$TMPDIR/ferry-lab-pod-networks/127.X.lock`, which the
/// kernel drops when the process dies. The first lab gets 127.42; later labs of the
/// same process take the octets after it in turn.
final class PodNetwork: Sendable {
    let octet: Int
    private let descriptor: Int32

    private init(octet: Int, descriptor: Int32) {
        self.octet = octet
        self.descriptor = descriptor
    }

    private static let next = Mutex(42)

    static func reserve() -> PodNetwork {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-lab-pod-networks")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // From the one after the last this process took: a lab that just stopped may
        // still have a process dying with a socket on one of its pods' addresses (a
        // receiver's rsync daemon on IP:8730), and the next lab's first pods would get
        // the same addresses.
        let first = next.withLock { $0 }
        for step in 0..<213 {
            let octet = 42 + (first - 42 + step) % 213
            let fd = open(directory.appendingPathComponent("127.\(octet).lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                next.withLock { $0 = octet == 254 ? 42 : octet + 1 }
                return PodNetwork(octet: octet, descriptor: fd)
            }
            close(fd)
        }
        // Nowhere to hold one (an unwritable TMPDIR, 213 labs): share 127.42 unheld.
        return PodNetwork(octet: 42, descriptor: -1)
    }

    func cidr(node index: Int) -> String { "127.\(octet).\(index).0/24" }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
