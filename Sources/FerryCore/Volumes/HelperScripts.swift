/// The shell the helper pods run: `Volumes/Scripts/manifest.sh`, `receiver.sh` and
/// `sender.sh`, real files (each says what it does, and takes, in its header) compiled
/// into the binary by the EmbedScripts plugin (`EmbeddedScripts`), with ferry's
/// constants put in here, so each has one source. Written for the default helper
/// image's BusyBox as much as for GNU tools: POSIX `sh`, `find`, `stat -c`, `awk`,
/// `sort`, `xargs -0`, `sha256sum`, `df -P`, `du -sk`, and `rsync`; each script first
/// checks that the image has every tool it runs (`Exit.missingTool`).
///
/// A move talks to its receiver over rsync only: besides the volume (`vol`), the
/// receiver's daemon serves modules whose `pre-xfer exec` does the receiving side's
/// part of a check when a sender asks for it: `room` (free and used KiB) and
/// `sums`, `sums-last`, `sums-fresh`, `sums-now`, `sums-of` (the target's manifest;
/// see the sender).
/// So one receiver and one sender pod do a whole pass with its verification, and the
/// target's listing runs on the target node while the source's runs on the source node.
enum HelperScripts {
    /// Where, at the root of the copy, the checksum caches of both sides live between
    /// passes (the source's cannot be written beside the original, which is mounted
    /// read-only). Never copied, never listed, and removed once the copy is verified.
    static let cacheDirectory = ".ferry-move-cache"

    /// The exit statuses the sender adds to rsync's own.
    enum Exit {
        /// The data does not fit on the target volume.
        static let noRoom = 91
        /// The receiver's side of a check (room, listing, cache) failed.
        static let receiverCheck = 92
        /// Listing the source volume failed.
        static let sourceListing = 93
        /// The volume holds a `.ferry-move-cache` of its own at its root.
        static let reservedName = 94
        /// The receiver's daemon did not listen within `FERRY_RECEIVER_WAIT` seconds.
        static let receiverUnreachable = 95
        /// The helper image lacks a tool a script runs (any of the three, receiver
        /// included): the script printed one line to stderr,
        /// `ferry: the helper image lacks: TOOL...`, before doing anything.
        static let missingTool = 96
        /// A sender started ahead of the final pass cannot wait for ferry's word (its
        /// image's `nc` cannot listen and run a program): the pass starts its own.
        static let cannotWait = 97
    }

    /// `sh manifest.sh ROOT CACHE_IN CACHE_OUT [PATHS [MISSES]]` prints what ROOT holds,
    /// one sorted line per entry: type, mode, owner, size, link count and mtime of
    /// files, mtime of directories (not the root's, which the caches below it change),
    /// link targets, devices, and a SHA-256 of every regular file's contents. Directory
    /// sizes are left out: they depend on the filesystem, not the data. The same tree
    /// gives the same bytes with BusyBox's tools and with GNU's (the two sides of a
    /// move may run different images).
    ///
    /// The checksums make the final pass's verification cost what changed, not the
    /// volume's size (the downtime of a camera's terabyte of recordings would
    /// otherwise be the time to read it twice). A file's hash is taken from CACHE_IN
    /// when its inode, size, mtime and ctime are those recorded with it; ctime cannot
    /// be set by a program, and any write or metadata change moves it. Hashes of files
    /// whose ctime is not older than the listing's start are not kept (a change in the
    /// same second would not show), as git does with racily clean files; so a listing
    /// that keeps hashes starts on a new second, or the files the first copy wrote last
    /// (all of a few large ones, often) would be hashed again in the downtime. CACHE_OUT
    /// (when given) receives the hashes for the next pass. With PATHS (a file of
    /// `./path` lines, no symlinks among them), only those entries are listed, as they
    /// are now: a final pass re-lists what it copied. MISSES (when given) receives the
    /// paths of the regular files that were hashed, not found in CACHE_IN: those whose
    /// contents may have changed since the last listing.
    static let manifest = filled(EmbeddedScripts.manifest, [
        "CACHE_DIRECTORY": cacheDirectory,
        "EXIT_MISSING_TOOL": "\(Exit.missingTool)",
    ])

    /// The receiver: `rsync --daemon` on the pod's IP serving the volume and the
    /// target's half of each check, until SIGTERM (`Scripts/receiver.sh`).
    static let receiver = filled(EmbeddedScripts.receiver, [
        "MOUNT_PATH": HelperPods.mountPath,
        "RSYNC_PORT": "\(RsyncCopy.port)",
        "CACHE_DIRECTORY": cacheDirectory,
        "EXIT_MISSING_TOOL": "\(Exit.missingTool)",
        "MANIFEST_SH": manifest,
    ])

    /// The sender does the stages in `FERRY_STAGES` (`RsyncCopy.Stage`), in order:
    /// `room`, `copy`, `sums`, `sums-fresh`, `changes` (`Scripts/sender.sh` says what
    /// each does, and why). Its exit status is rsync's or one of `Exit`'s; it waits
    /// for the receiver's daemon only while the connection is refused.
    static let sender = filled(EmbeddedScripts.sender, [
        "MOUNT_PATH": HelperPods.mountPath,
        "RSYNC_PORT": "\(RsyncCopy.port)",
        "CACHE_DIRECTORY": cacheDirectory,
        "SUMMARY_PREFIX": VolumeComparison.summaryPrefix,
        "DIFFERS_PREFIX": VolumeComparison.differsPrefix,
        "EXIT_NO_ROOM": "\(Exit.noRoom)",
        "EXIT_RECEIVER_CHECK": "\(Exit.receiverCheck)",
        "EXIT_SOURCE_LISTING": "\(Exit.sourceListing)",
        "EXIT_RESERVED_NAME": "\(Exit.reservedName)",
        "EXIT_RECEIVER_UNREACHABLE": "\(Exit.receiverUnreachable)",
        "EXIT_MISSING_TOOL": "\(Exit.missingTool)",
        "EXIT_CANNOT_WAIT": "\(Exit.cannotWait)",
        "MANIFEST_SH": manifest,
    ])

    /// `template` with each `@NAME@` replaced by `values[NAME]`. Every placeholder
    /// must have a value and every value a placeholder (a script and this file that
    /// disagree are a bug, caught by the first use, which the tests make); values go
    /// into single-quoted or bare shell words, so they hold no quote, `@`, `$`, backslash
    /// or newline (`MANIFEST_SH`, a here-document's body, excepted).
    static func filled(_ template: String, _ values: [String: String]) -> String {
        for (name, value) in values where name != "MANIFEST_SH" {
            precondition(!value.contains(where: { "'\"@\\$`\n".contains($0) }), "\(name)'s value \(value) cannot go into a script")
        }
        var result = ""
        var used = Set<String>()
        var rest = Substring(template)
        while let at = rest.firstIndex(of: "@") {
            result += rest[..<at]
            let after = rest[rest.index(after: at)...]
            if let end = after.firstIndex(of: "@"), !after[..<end].isEmpty,
               after[..<end].allSatisfy({ $0.isUppercase || $0 == "_" }) {
                let name = String(after[..<end])
                guard let value = values[name] else { preconditionFailure("no value for the script's @\(name)@") }
                result += value
                used.insert(name)
                rest = after[after.index(after: end)...]
            } else {
                result.append("@")
                rest = after
            }
        }
        result += rest
        precondition(used == Set(values.keys), "no placeholder for \(Set(values.keys).subtracting(used).sorted())")
        return result
    }
}
