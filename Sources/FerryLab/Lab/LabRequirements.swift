import Foundation

/// The programs of this machine the lab runs: its containers' sandboxes (util-linux),
/// the tools of the images it knows (BusyBox, rsync: every volume copy), Flux's Git.
/// Checked before anything starts, so that a fresh machine hears at once what to
/// install instead of a copy that waits for a pod that can never run.
public enum LabRequirements {
    /// (program, the Debian package that has it)
    static let programs = [
        ("unshare", "util-linux"), ("mount", "mount"), ("busybox", "busybox"), ("rsync", "rsync"), ("git", "git"),
    ]

    /// The packages to install, one per missing program; empty when nothing is missing.
    public static func missing(in directories: [String] = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) -> [(program: String, package: String)] {
        programs.filter { program, _ in
            !directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
        }.map { (program: $0.0, package: $0.1) }
    }

    /// Throws, naming what to install, when a program is missing.
    public static func check() throws {
        let missing = missing()
        guard !missing.isEmpty else { return }
        let packages = Array(Set(missing.map(\.package))).sorted()
        throw LabError(description: "the lab runs programs this machine lacks: \(missing.map(\.program).joined(separator: ", ")). "
            + "Install them (as root): apt-get install -y \(packages.joined(separator: " "))")
    }
}
