import Foundation

/// The filesystem a real container sees: a root of its own, so that `tar -C /data`
/// reads the volume mounted at `/data` and a container cannot change this machine.
///
/// The container runs in a mount namespace of its own (`unshare --mount`, private
/// propagation, so nothing mounted there shows outside and it all goes when its last
/// process ends). There a tmpfs becomes its root, with this machine's `/usr`, `/etc`
/// and `/bin`-style entries bound read-only (the image's tools are the host's), `/proc`,
/// the usual `/dev` nodes, empty `/tmp`, `/root`, `/var`..., and each volume bound at
/// its mountPath (read-only with `readOnly`). The setup is a short shell script made
/// here with every path quoted; it reports on fd 3 (`ready`, or what failed), waits
/// for a line on its `go` FIFO (so the setup can run during the lab's container-start
/// delay, as a real runtime creates the sandbox then), and then `unshare --root --wd`
/// execs the container's own argv, which is never a shell string.
struct PodSandbox {
    /// The programs the setup needs, by absolute path, so that a container's PATH
    /// cannot change which ones run.
    struct Tools: Sendable {
        var unshare: String
        var mount: String
        var mkdir: String
        var ln: String
        var shell: String

        static func find() -> Tools? {
            let directories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            func locate(_ name: String) -> String? {
                directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            }
            guard let unshare = locate("unshare"), let mount = locate("mount"), let mkdir = locate("mkdir"), let ln = locate("ln"),
                let shell = locate("sh")
            else { return nil }
            return Tools(unshare: unshare, mount: mount, mkdir: mkdir, ln: ln, shell: shell)
        }
    }

    /// This machine's root entries a container gets (read-only); a symlink (`/bin ->
    /// usr/bin` on merged-/usr systems) is copied as a symlink.
    static let hostEntries = ["usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"]
    static let devices = ["null", "zero", "full", "random", "urandom", "tty"]
    /// What `ready` on fd 3 is replaced by when a volume cannot be mounted.
    static let failedMountMarker = "FailedMount\t"

    /// An empty directory of the lab's, where the container's root is mounted (in its namespace only).
    var root: URL
    var mounts: [ContainerMount]
    var workingDirectory: String
    var hostname: String
    /// A FIFO outside the root; the container's command starts once a line is written to it.
    var go: URL
    /// The image's own `bin`, `sbin`, `usr/bin` and `usr/sbin` and its binaries
    /// (`ImageTools.Root`), bound instead of this machine's; nil: this machine's tools.
    var image: ImageTools.Root? = nil

    /// `unshare`'s arguments: a new mount and UTS namespace (and, when the lab is not
    /// root, a user namespace in which it is), the setup, then `argv`.
    func arguments(argv: [String], tools: Tools, asRoot: Bool) -> [String] {
        let namespaces = asRoot ? [] : ["--user", "--map-root-user"]
        return namespaces + ["--mount", "--uts", "--propagation", "private", "--", tools.shell, "-c", script(tools: tools), "ferry-sandbox"]
            + argv
    }

    func script(tools: Tools) -> String {
        let q = Self.quote
        var lines = [
            "set -e",
            "exec 4>&2 2>&3",
            "R=\(q(root.path)); MOUNT=\(q(tools.mount)); MKDIR=\(q(tools.mkdir)); LN=\(q(tools.ln))",
            // Read and write: opening a FIFO so does not wait for a writer.
            "exec 5<> \(q(go.path))",
            "\"$MOUNT\" -t tmpfs -o mode=0755 ferry-pod \"$R\"",
        ]
        func bind(_ host: String, at path: String) -> String {
            "\"$MKDIR\" -p \"$R\"\(q(path)); \"$MOUNT\" --bind \(q(host)) \"$R\"\(q(path)); \"$MOUNT\" -o remount,bind,ro \"$R\"\(q(path))"
        }
        func asOnThisMachine(_ host: String) {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: host) {
                lines.append("\"$LN\" -s \(q(target)) \"$R\"\(q(host))")
            } else if FileManager.default.fileExists(atPath: host) {
                lines.append(bind(host, at: host))
            }
        }
        if let image {
            // The image's programs; this machine's libraries, which they are built against.
            for entry in Self.hostEntries where !["usr", "bin", "sbin"].contains(entry) { asOnThisMachine("/" + entry) }
            for entry in ["lib", "lib32", "lib64", "libx32"] { asOnThisMachine("/usr/" + entry) }
            for entry in ["bin", "sbin", "usr/bin", "usr/sbin"] { lines.append(bind(image.directory.appendingPathComponent(entry).path, at: "/" + entry)) }
            // Over the empty files the image's directories hold for them.
            for binary in image.binaries {
                lines.append("\"$MOUNT\" --bind \(q(binary.host)) \"$R\"\(q(binary.path)); \"$MOUNT\" -o remount,bind,ro \"$R\"\(q(binary.path))")
            }
        } else {
            for entry in Self.hostEntries { asOnThisMachine("/" + entry) }
        }
        lines += [
            "\"$MKDIR\" \"$R/proc\" \"$R/dev\" \"$R/root\" \"$R/home\" \"$R/mnt\" \"$R/run\" \"$R/srv\" \"$R/opt\" \"$R/var\"",
            "\"$MKDIR\" -m 1777 \"$R/tmp\" \"$R/var/tmp\" \"$R/dev/shm\"",
            "\"$MOUNT\" --rbind /proc \"$R/proc\"",
            "for n in \(Self.devices.joined(separator: " ")); do [ -e \"/dev/$n\" ] || continue; : > \"$R/dev/$n\"; \"$MOUNT\" --bind \"/dev/$n\" \"$R/dev/$n\"; done",
            "\"$LN\" -s /proc/self/fd \"$R/dev/fd\"; \"$LN\" -s /proc/self/fd/0 \"$R/dev/stdin\"",
            "\"$LN\" -s /proc/self/fd/1 \"$R/dev/stdout\"; \"$LN\" -s /proc/self/fd/2 \"$R/dev/stderr\"",
            "volume() {",
            "  { \"$MKDIR\" -p \"$R$2\" && \"$MOUNT\" --bind \"$1\" \"$R$2\" && { [ \"$3\" = rw ] || \"$MOUNT\" -o remount,bind,ro \"$R$2\"; }; } ||",
            "    { printf '\(Self.failedMountMarker)%s\\n' \"$4\" >&3; exit 32; }",
            "}",
        ]
        for mount in mounts {
            lines.append("volume \(q(mount.source.path)) \(q(mount.path)) \(mount.readOnly ? "ro" : "rw") \(q(mount.volume))")
        }
        lines += [
            "\"$MKDIR\" -p \"$R\"\(q(workingDirectory))",
            "{ printf '%s' \(q(hostname)) > /proc/sys/kernel/hostname; } 2>/dev/null || true",
            "echo ready >&3",
            "exec 2>&4 4>&- 3>&-",
            "read -r _ <&5",
            "exec 5<&-",
            "exec \(q(tools.unshare)) --root=\"$R\" --wd=\(q(workingDirectory)) -- \"$@\"",
        ]
        return lines.joined(separator: "\n")
    }

    /// A POSIX shell word that stands for `text` exactly.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
