import ArgumentParser
import FerryCore
import FerryKube
import FerryLab
import FerryRemote
import Foundation

/// Volumes moved by a whole migration in the lab, against a plain copy between the
/// same directories on this machine, in the same run (issue: lab throughput at least
/// 80% of the plain copy; the final pass after a 1% change under 10% of the first).
struct BenchVolumesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volumes",
        abstract: "Time volume copies in the lab against a plain copy on this machine.",
        discussion: """
            Frigate's two volumes get a data set each on the source node's disk before \
            the run: frigate-config many small files, frigate-media a few large ones. The \
            same directories are first copied with `tar -cf - . | tar -xf -` and with \
            `rsync -aH` to scratch directories; then the migration moves them (rsync \
            between helper pods, over the lab's pod network). While the workload still \
            runs after the first copy, --change-percent of the small files are rewritten \
            and a new file of that share of the large files' bytes appears (a recording), \
            so the final pass after scale-down has that much to do (--recorded-mib sets the \
            recording's size instead, so that two sizes of volume can get the same change). \
            Before that run, a migration of volumes holding one small file each, with \
            nothing changed, times the floor of a final pass (pods, connections, \
            listings of nothing); the final pass is then given as that floor and what it \
            took above it. Every copy, plain or \
            ferry's, starts after a sync(2), so none pays for another's writeback, and the \
            plain copies stay until the end, so that no copy writes into memory another \
            has just freed (on a VM that reports free pages to its host, such memory is \
            three times as fast to fill as memory freed earlier). With the default sizes \
            the lab's directory then holds about 6.5 GiB.

            The lab's node disks live under --lab-parent, by default /dev/shm (memory): \
            small-file copies on a virtual disk vary up to fivefold from one run to the \
            next, which drowns what ferry itself costs. Pass a directory on a disk to \
            include the disk (and compare within one run).
            """)

    @Option(help: "The directory the lab is made in (its nodes' disks included).")
    var labParent = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : "/tmp"

    @Option(help: "Files in the many-small-files volume.")
    var smallFiles = 20_000

    @Option(name: .customLong("small-kib"), help: "Size of each small file, in KiB.")
    var smallKiB = 4

    @Option(help: "Files in the few-large-files volume.")
    var largeFiles = 4

    @Option(name: .customLong("large-mib"), help: "Size of each large file, in MiB.")
    var largeMiB = 256

    @Option(help: "Percent of the data changed between the first copy and the final pass.")
    var changePercent = 1.0

    @Option(name: .customLong("recorded-mib"), help: "Size of the recording that appears in the large-file volume, in MiB (default: --change-percent of its bytes).")
    var recordedMiB: Int?

    @Flag(help: "Leave out the plain copies (tar, rsync) that the first copies are compared with: they take as much room again, twice.")
    var skipPlain = false

    func validate() throws {
        guard (1...1_000_000).contains(smallFiles), (1...65_536).contains(smallKiB) else {
            throw ValidationError("--small-files must be 1 to 1000000 and --small-kib 1 to 65536")
        }
        guard (1...1000).contains(largeFiles), (1...16_384).contains(largeMiB) else {
            throw ValidationError("--large-files must be 1 to 1000 and --large-mib 1 to 16384")
        }
        guard changePercent > 0, changePercent <= 100 else { throw ValidationError("--change-percent must be above 0 and at most 100") }
        if let recordedMiB, !(1...16_384).contains(recordedMiB) { throw ValidationError("--recorded-mib must be 1 to 16384") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: labParent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--lab-parent \(labParent) is not a directory")
        }
    }

    func run() async throws {
        let sets = [
            DataSet(claim: "frigate-config", kind: "many small files", files: smallFiles, fileBytes: smallKiB << 10),
            DataSet(claim: "frigate-media", kind: "a few large files", files: largeFiles, fileBytes: largeMiB << 20),
        ]
        let change = Change(percent: changePercent, recordedBytes: recordedMiB.map { $0 << 20 })
        if let used = Self.usedBytes(labParent), used > 1 << 30 {
            BenchFormat.say(
                "note: \(labParent) already holds \(BenchFormat.size(Int(used))); on this kind of machine copies into a filled "
                    + "/dev/shm ran up to 2.5 times slower, so clean it for numbers that compare with other runs")
        }
        BenchFormat.say("the floor of a final pass: a migration of one small file in each volume, nothing changed")
        let floorRun = try await migrate([
            DataSet(claim: "frigate-config", kind: "one small file", files: 1, fileBytes: 4 << 10),
            DataSet(claim: "frigate-media", kind: "one small file", files: 1, fileBytes: 4 << 10),
        ], change: nil, plain: false)
        guard let floor = floorRun.times.finalPass else { throw DemoFailure("the run did not report the final copy") }
        let run = try await migrate(sets, change: change, plain: !skipPlain)
        let times = run.times

        BenchFormat.say("")
        var firstTotal = Duration.zero
        var passTotal = Duration.zero
        for (set, bytes) in run.volumes {
            guard let first = EventTimes.span(times.waiting("pre-copy-\(set.claim)", "rsync of"), times.waiting("pre-copy-\(set.claim)", "checksums of")),
                let listing = EventTimes.span(times.waiting("pre-copy-\(set.claim)", "checksums of"), times.finished("pre-copy-\(set.claim)"))
            else { throw DemoFailure("the run did not report the copy of \(set.claim)") }
            firstTotal += first
            passTotal += first + listing
            var lines = ["\(set.claim) (\(set.kind), \(BenchFormat.size(bytes))):"]
            func share(_ plain: Duration) -> String { BenchFormat.percent(plain, of: first) }
            if let early = run.before[set.claim], let late = run.after[set.claim] {
                let tar = (early.tar + late.tar) / 2
                let rsync = (early.rsync + late.rsync) / 2
                lines += [
                    "  plain tar | tar     \(BenchFormat.seconds(tar))  \(BenchFormat.rate(bytes: bytes, in: tar))  (\(BenchFormat.seconds(early.tar)) before the run, \(BenchFormat.seconds(late.tar)) after)",
                    "  plain rsync -aH     \(BenchFormat.seconds(rsync))  \(BenchFormat.rate(bytes: bytes, in: rsync))  (\(BenchFormat.seconds(early.rsync)) before the run, \(BenchFormat.seconds(late.rsync)) after)",
                    "  ferry first copy    \(BenchFormat.seconds(first))  \(BenchFormat.rate(bytes: bytes, in: first))  throughput \(share(tar)) of tar's, \(share(rsync)) of rsync's",
                ]
            } else {
                lines.append("  ferry first copy    \(BenchFormat.seconds(first))  \(BenchFormat.rate(bytes: bytes, in: first))")
            }
            lines.append("  ferry first listing \(BenchFormat.seconds(listing))  (checksums of both sides while the workload runs, kept for the final pass)")
            BenchFormat.say(lines.joined(separator: "\n"))
        }
        guard let final = times.finalPass else { throw DemoFailure("the run did not report the final copy") }
        BenchFormat.say("""
            both volumes, final pass after \(change.description(sets)) (copy and verification of both at once):
              \(BenchFormat.seconds(final)): \(BenchFormat.percent(final, of: firstTotal)) of the first copies' \(BenchFormat.seconds(firstTotal)), \
            \(BenchFormat.percent(final, of: passTotal)) of the first passes' \(BenchFormat.seconds(passTotal)) (copy and listing, as the final pass)
              the floor of a pass \(BenchFormat.seconds(floor)); above it \(BenchFormat.seconds(final - floor)), \
            \(BenchFormat.percent(final - floor, of: firstTotal)) of the first copies'
            """)
    }

    /// What changes while the workload still runs, after the first copies.
    struct Change: Sendable {
        var percent: Double
        var recordedBytes: Int?

        func description(_ sets: [DataSet]) -> String {
            sets.map { set in
                set.fileBytes <= 1 << 20
                    ? "\(set.changedFiles(percent)) small files rewritten"
                    : "a new recording of \(BenchFormat.size(recordedBytes ?? set.recordedBytes(percent)))"
            }.joined(separator: " and ")
        }
    }

    /// A lab migration of `sets`, each written into its claim's volume on the source
    /// node first, with `change` made at the scale-down and, with `plain`, the plain
    /// copies before and after.
    func migrate(_ sets: [DataSet], change: Change?, plain: Bool) async throws -> (
        times: EventTimes, volumes: [(set: DataSet, bytes: Int)],
        before: [String: (tar: Duration, rsync: Duration)], after: [String: (tar: Duration, rsync: Duration)]
    ) {
        try await LabSession.with(in: LabSession.temporaryDirectory("bench", in: labParent), keep: false) { session in
            let plan = try await session.discoverPlan()
            var volumes: [(set: DataSet, directory: URL)] = []
            var written: [(set: DataSet, bytes: Int)] = []
            for set in sets {
                let directory = try await Self.sourceDirectory(of: set.claim, session: session)
                BenchFormat.say("writing \(set.files) × \(BenchFormat.size(set.fileBytes)) (\(set.kind)) into \(set.claim) on \(LabSession.source)")
                try set.write(into: directory)
                volumes.append((set, directory))
                written.append((set, try DataSet.bytes(under: directory)))
            }

            let before = plain ? try await Self.plainCopies(volumes, session: session) : [:]

            let planted = volumes
            let times = EventTimes { event in
                guard case .stepStarted(let step, _) = event else { return }
                // After the first copies, while Frigate still runs: what it writes meanwhile.
                if step == "scale-down", let change {
                    for (set, directory) in planted { try? set.change(change.percent, recordedBytes: change.recordedBytes, in: directory) }
                }
                // Every copy starts with no dirty pages waiting, as the plain ones do.
                if step.hasPrefix("pre-copy-") || step == "final-copy" { sync() }
            }
            BenchFormat.say("running the migration (the lab moves the Coral when asked)")
            _ = try await session.run(plan, observer: times)
            // Again after the run (the originals stay on the source until `ferry cleanup`):
            // small-file copies on this disk vary with what was written before them.
            let after = plain ? try await Self.plainCopies(volumes, session: session) : [:]
            return (times, written, before, after)
        }
    }

    /// What the filesystem holding `path` has in use, nil when it cannot be asked.
    static func usedBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_blocks - info.f_bfree) * UInt64(info.f_frsize)
    }

    /// `tar | tar` and `rsync -aH` of each volume's source directory to a scratch one.
    ///
    /// The scratch copies stay until the bench ends, in the lab's directory. On a
    /// virtual machine whose balloon reports free pages to the host (virtio free page
    /// reporting), writing into memory freed just now is three times as fast as into
    /// memory freed earlier, whose pages the host must back again (0.8 s against 2.5 s
    /// for 1 GiB here): a copy made right after another was removed, plain or ferry's,
    /// would write into the pages it freed. So every copy writes into memory not used
    /// lately.
    static func plainCopies(
        _ volumes: [(set: DataSet, directory: URL)], session: LabSession
    ) async throws -> [String: (tar: Duration, rsync: Duration)] {
        func time(_ script: String) async throws -> Duration {
            let scratch = session.directory.appendingPathComponent("plain-copy-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            return try await Self.time(script, into: scratch)
        }
        var plain: [String: (tar: Duration, rsync: Duration)] = [:]
        for (set, directory) in volumes {
            let tar = try await time("tar -C \(quote(directory.path)) -cf - . | tar -C \"$1\" -xf -")
            let rsync = try await time("rsync -aH --numeric-ids \(quote(directory.path + "/")) \"$1/\"")
            plain[set.claim] = (tar, rsync)
        }
        return plain
    }

    /// Where the claim's volume lives on the source node's disk (the PV's path there).
    static func sourceDirectory(of claim: String, session: LabSession) async throws -> URL {
        let kube = session.connections.kube
        let pvc = try await kube.get(PersistentVolumeClaim.self, claim, namespace: LabSession.namespace)
        guard let name = pvc.volumeName, let path = try await kube.get(PersistentVolume.self, name).localPath else {
            throw DemoFailure("\(claim) is not bound to a local volume")
        }
        return session.lab.kube.filesystem.url(node: LabSession.source, path: path)
    }

    /// Runs `script` with $1 the empty directory `scratch` and returns how long it took.
    static func time(_ script: String, into scratch: URL) async throws -> Duration {
        // Writeback of what was written before must not count against this copy.
        sync()
        let began = ContinuousClock.now
        let result = try await LocalProcessRunner().run("sh", ["-c", "set -e; " + script, "sh", scratch.path])
        let elapsed = began.duration(to: .now)
        guard result.exitCode == 0 else { throw DemoFailure("the plain copy failed (\(result.exitCode)): \(result.stderrText)") }
        return elapsed
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A benchmark's files in one volume, under `ferry-bench/`.
struct DataSet: Sendable {
    var claim: String
    var kind: String
    var files: Int
    var fileBytes: Int

    /// Random-looking bytes (no run of them compresses or repeats), written in 1 MiB blocks.
    func write(into volume: URL) throws {
        let directory = volume.appendingPathComponent("ferry-bench", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let block = Data((0..<(1 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        for index in 0..<files {
            let file = directory.appendingPathComponent(String(format: "%07d.bin", index))
            try Self.write(file, bytes: fileBytes, block: block, seed: UInt64(index) << 32)
        }
    }

    func changedFiles(_ percent: Double) -> Int { max(1, Int((Double(files) * percent / 100).rounded())) }
    func recordedBytes(_ percent: Double) -> Int { max(1, Int(Double(files * fileBytes) * percent / 100)) }

    /// Rewrites `percent` of the files (at least one) with new bytes of the same size
    /// when they are small; adds one new file of `percent` of their bytes (or of
    /// `recordedBytes`) when they are large, as a recording would.
    func change(_ percent: Double, recordedBytes: Int? = nil, in volume: URL) throws {
        let directory = volume.appendingPathComponent("ferry-bench", isDirectory: true)
        var generator = SystemRandomNumberGenerator()
        let block = Data((0..<(1 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        if fileBytes <= 1 << 20 {
            let count = changedFiles(percent)
            let stride = max(1, files / count)
            for index in Swift.stride(from: 0, to: files, by: stride).prefix(count) {
                let file = directory.appendingPathComponent(String(format: "%07d.bin", index))
                try Self.write(file, bytes: fileBytes, block: block, seed: UInt64.random(in: 1...UInt64.max))
            }
        } else {
            try Self.write(directory.appendingPathComponent("recorded-during-the-move.bin"),
                           bytes: recordedBytes ?? self.recordedBytes(percent), block: block, seed: 7)
        }
    }

    private static func write(_ file: URL, bytes: Int, block: Data, seed: UInt64) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = FileHandle(forWritingAtPath: file.path) else {
            throw DemoFailure("cannot write \(file.path)")
        }
        defer { try? handle.close() }
        var written = 0
        var chunk = Data(block.prefix(min(bytes, block.count)))
        var counter = seed
        while written < bytes {
            // Each block differs from every other in its first bytes.
            if chunk.count >= 8 { withUnsafeBytes(of: counter) { chunk.replaceSubrange(0..<8, with: $0) } }
            counter &+= 1
            let size = min(chunk.count, bytes - written)
            try handle.write(contentsOf: size == chunk.count ? chunk : chunk.prefix(size))
            written += size
        }
    }

    /// The bytes of every regular file below `directory`.
    static func bytes(under directory: URL) throws -> Int {
        var total = 0
        let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        while let file = walker?.nextObject() as? URL {
            let values = try file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values.isRegularFile == true { total += values.fileSize ?? 0 }
        }
        return total
    }
}
