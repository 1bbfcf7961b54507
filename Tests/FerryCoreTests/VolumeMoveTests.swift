import FerryJSON
import FerryKube
import FerryLab
import FerryTestSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import FerryCore

/// A step the tests put between scale-down and the final copy, to break the world.
struct FaultStep: MigrationStep {
    let id: String
    let action: @Sendable () async throws -> Void
    var title: String { "Fault: \(id)" }
    var phase: MigrationPhase { .source }
    func inspect(_ context: StepContext) async throws -> StepState { .pending(reason: "fault") }
    func apply(_ context: StepContext) async throws { try await action() }
    func undo(_ context: StepContext) async throws {}
    func describe() -> [String] { [] }
}

@Suite(.serialized) struct VolumeMoveTests {
    typealias Snapshot = [String: (pv: String, directory: URL, listing: [String: String])]

    /// The claims, their PVs and what the source node's disk holds for them.
    func snapshot(_ lab: VolumeLab) async throws -> Snapshot {
        var result: Snapshot = [:]
        for name in VolumeLab.claims {
            let pv = try await lab.volume(try #require(try await lab.claim(name).volumeName))
            let directory = try lab.directory(of: pv, on: VolumeLab.source)
            result[name] = (pv.name, directory, try Tree.listing(directory))
        }
        return result
    }

    /// The moved claims are Bound, same-named, to PVs on the target node's disk holding
    /// the same tree byte for byte; the originals are Released, Retain, and intact.
    func expectMoved(_ lab: VolumeLab, from before: Snapshot) async throws {
        let hostname = try await lab.kube.get(Node.self, VolumeLab.target).hostnameLabel
        for name in VolumeLab.claims {
            let original = try #require(before[name])
            let claim = try await lab.claim(name)
            #expect(claim.phase == "Bound")
            let pv = try await lab.volume(try #require(claim.volumeName))
            #expect(pv.name != original.pv)
            #expect(pv.boundHostnames == [hostname])
            #expect(pv.reclaimPolicy == "Delete")
            let moved = try lab.directory(of: pv, on: VolumeLab.target)
            #expect(try Tree.listing(moved) == original.listing, "\(name) on the target")
            #expect(try Tree.sameContents(original.directory, moved), "\(name): the bytes differ")
            let old = try await lab.volume(original.pv)
            #expect(old.reclaimPolicy == "Retain")
            #expect(old.json["status"]["phase"].stringValue == "Released")
            #expect(try Tree.listing(original.directory) == original.listing, "\(name) on the source")
        }
        #expect(try await lab.helperObjects().isEmpty)
    }

    /// Nothing switched: the claims are bound to their original PVs, whose files are as they were.
    func expectUntouched(_ lab: VolumeLab, _ before: Snapshot) async throws {
        for name in VolumeLab.claims {
            let original = try #require(before[name])
            let claim = try await lab.claim(name)
            #expect(claim.phase == "Bound")
            #expect(claim.volumeName == original.pv)
            #expect(try Tree.listing(original.directory) == original.listing)
        }
    }

    @Test func movingBothVolumesKeepsEveryFileAndTheOriginals() async throws {
        try await VolumeLab.with { lab in
            let before = try await snapshot(lab)
            let journal = try await lab.run(lab.steps())
            #expect(journal.status == .completed)
            try await expectMoved(lab, from: before)
            let newVolumes = try await VolumeLab.claims.asyncMap { try await lab.claim($0).volumeName }

            // Flux applies the Git manifest onto the switched claims and leaves volumeName alone.
            let token = UUID().uuidString
            try await lab.kube.patch(.kustomizations, "frigate", namespace: "flux-system", [
                "metadata": ["annotations": ["reconcile.fluxcd.io/requestedAt": .string(token)]], "spec": ["suspend": false],
            ])
            _ = try await lab.kube.waitFor(.kustomizations, "frigate", namespace: "flux-system", timeout: .seconds(30),
                                           waitingFor: "Flux to apply") { object in
                object?["status"]["lastHandledReconcileAt"].stringValue == token
                    && (object?["status"]["conditions"].arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
            }
            #expect(try await VolumeLab.claims.asyncMap { try await lab.claim($0).volumeName } == newVolumes)
            #expect(try await VolumeLab.claims.asyncMap { try await lab.claim($0).phase } == ["Bound", "Bound"])
        }
    }

    /// The first copy leaves its receiver serving and starts the final pass's sender,
    /// which waits for ferry's word: the final pass, in the downtime, starts no pod.
    /// Every helper pod seen from the scale-down on was there before it. A stranger on
    /// the pod network (here through the same pod proxy) without the word is refused,
    /// and the sender waits on.
    @Test func theFinalPassStartsNoPodInTheDowntime() async throws {
        try await VolumeLab.with { lab in
            let before = try await snapshot(lab)
            let helpers = HelperPodWatch(kube: lab.kube)
            let refused = Mutex<[(Int, String)]>([])
            // Just before the scale-down: the helper pods there, then every one seen after.
            let look = FaultStep(id: "look") {
                for claim in VolumeLab.claims {
                    let armed = VolumeMove(environment: lab.environment, claim: claim).podName(HelperPods.armedRole)
                    var answer = (status: 503, text: "")
                    let deadline = ContinuousClock.now + .seconds(20)
                    while answer.status == 503, ContinuousClock.now < deadline {
                        answer = try await lab.kube.podProxyPost(
                            pod: armed, namespace: "frigate", port: RsyncCopy.wordPort, path: "/", text: "go\n", timeout: .seconds(5))
                    }
                    refused.withLock { $0.append((answer.status, answer.text)) }
                }
                try await helpers.start()
            }
            var steps = lab.steps()
            steps.insert(look, at: try #require(steps.firstIndex { $0.id == "scale-down" }))
            let events = EventLog()
            let journal = try await lab.run(steps, observer: events)
            let (there, after) = await helpers.stop()
            #expect(journal.status == .completed)
            #expect(refused.withLock { $0.map(\.0) } == [403, 403], "\(refused.withLock { $0 })")
            #expect(there.filter { $0.hasPrefix("receiver ") }.count == 2, "both first copies left their receiver serving: \(there)")
            #expect(there.filter { $0.hasPrefix("armed ") }.count == 2, "both first copies started the final pass's sender: \(there)")
            #expect(!after.isEmpty && after.isSubset(of: there), "helper pods after the scale-down: \(after), before it: \(there)")
            let notices = events.all.compactMap { if case .notice(_, let message) = $0 { message } else { nil } }
            #expect(notices.isEmpty, "\(notices)")
            try await expectMoved(lab, from: before)
        }
    }

    /// An image whose `nc` cannot listen and run a program (here this machine's tools:
    /// no BusyBox `nc`) cannot wait for the word: the final pass says so and starts its
    /// own sender, and the move ends as usual.
    @Test func aSenderThatCannotWaitForTheWordLeavesTheFinalPassToStartOne() async throws {
        try await VolumeLab.with { lab in
            var plan = lab.environment.plan
            plan.volumes = plan.volumes.map { .init(claim: $0.claim, image: "registry.home.lan:5000/tools/rsync:gnu") }
            let environment = MigrationEnvironment(plan: plan, planFile: lab.environment.planFile, connections: lab.connections)
            let before = try await snapshot(lab)
            let events = EventLog()
            #expect(try await lab.run(lab.steps(environment: environment), observer: events).status == .completed)
            let notices = events.all.compactMap { if case .notice(_, let message) = $0 { message } else { nil } }
            #expect(notices.count == 2, "\(notices)")
            for notice in notices {
                #expect(notice.contains("before the scale-down did not take ferry's word (it ended with exit status 97"), "\(notice)")
                #expect(notice.contains("nc cannot run a program per connection"), "\(notice)")
                #expect(notice.hasSuffix("starting one now"), "\(notice)")
            }
            try await expectMoved(lab, from: before)
        }
    }

    /// The first copy, made while the workload runs, already gives every entry its
    /// time to the nanosecond, directories included: the final pass copies only what
    /// changed, so a time the first copy got wrong would stay wrong.
    @Test func theFirstCopyKeepsEveryTimeToTheNanosecond() async throws {
        try await VolumeLab.with { lab in
            let pv = try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName))
            let media = try lab.directory(of: pv, on: VolumeLab.source)
            // 300 files in 30 directories, two levels down, and times with nanoseconds.
            let made = try await TestProcess.run("/bin/sh", ["-ec", """
                cd "$1"
                for d in $(seq 1 30); do
                  mkdir -p "clips/cam$d"
                  for f in $(seq 1 10); do printf 'clip %s %s\\n' "$d" "$f" > "clips/cam$d/$f.jpg"; done
                  touch -d "2025-06-0$((d % 9 + 1)) 10:1$((d % 10)):00.$d$d$d$d$d$d$d" "clips/cam$d"/*.jpg "clips/cam$d"
                done
                ln -s clips/cam1/1.jpg latest.jpg
                """, "sh", media.path], scratch: lab.directory)
            try #require(made.status == 0, "\(made.stderr)")
            let before = try await snapshot(lab)
            let events = EventLog()
            let move = VolumeMove(environment: lab.environment, claim: "frigate-media")
            let seen = Mutex<String>("")
            let look = FaultStep(id: "look") {
                let copy = try await lab.volume(try #require(try await lab.claim(move.targetClaim).volumeName))
                let stamps = try Self.stamps(lab.directory(of: copy, on: VolumeLab.target))
                seen.withLock { $0 = stamps }
            }
            var steps = lab.steps()
            steps.insert(look, at: try #require(steps.firstIndex { $0.id == "scale-down" }))
            #expect(try await lab.run(steps, observer: events).status == .completed)
            let copied = seen.withLock { $0 }
            #expect(copied == (try Self.stamps(media)), "after the first copy, every time as the original's")
            #expect(copied.contains(".1111111000 "), "nanoseconds: \(copied.prefix(300))")
            let warnings = events.all.compactMap { if case .warning(_, let message) = $0 { message } else { nil } }
            #expect(warnings.isEmpty, "\(warnings)")
            try await expectMoved(lab, from: before)
        }
    }

    /// Each entry's path, modification time to the nanosecond, mode and owner (GNU find).
    static func stamps(_ root: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/find")
        process.arguments = [root.path, "-mindepth", "1", "-not", "-path", "*/\(HelperScripts.cacheDirectory)*", "-printf", "%P %T@ %m %U:%G %y\n"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").sorted().joined(separator: "\n")
    }

    @Test func aReceiverKilledMidCopyStopsBeforeTheSwitchAndResumeFinishes() async throws {
        try await VolumeLab.with { lab in
            // A large sparse file arrives after the first pass, so the final pass has
            // seconds of sending to do when the receiver is killed.
            let mediaPV = try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName))
            let mediaRoot = try lab.directory(of: mediaPV, on: VolumeLab.source)
            let big = FaultStep(id: "big-file") {
                let file = mediaRoot.appendingPathComponent("recordings/2025-12-13/11.mp4")
                FileManager.default.createFile(atPath: file.path, contents: nil)
                let handle = try FileHandle(forWritingTo: file)
                try handle.truncate(atOffset: 1 << 30)
                try handle.seek(toOffset: 1 << 30)
                handle.write(Data("end".utf8))
                try handle.close()
            }
            let kill = FaultStep(id: "kill-receiver") {
                let kube = lab.kube
                let copy = try await lab.volume(try #require(try await lab.claim(VolumeMove(environment: lab.environment, claim: "frigate-media").targetClaim).volumeName))
                let arriving = try lab.directory(of: copy, on: VolumeLab.target).appendingPathComponent("recordings/2025-12-13")
                Task {
                    // Both running: the first copy left the receiver serving and the final
                    // pass's sender waiting for ferry's word.
                    _ = try await kube.waitUntil(
                        .pods, namespace: "frigate", labelSelector: "ferry.dev/volume=frigate-media,ferry.dev/role in (armed,receiver)",
                        timeout: .seconds(60), waitingFor: "the sender and the receiver to run") { pods in
                        pods.count == 2 && pods.allSatisfy { $0["status"]["phase"].stringValue == "Running" } ? true : nil
                    }
                    // The final pass lists both sides first (the new recording is hashed):
                    // the kill waits for rsync's temporary file of it on the target.
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline {
                        let names = (try? FileManager.default.contentsOfDirectory(atPath: arriving.path)) ?? []
                        if names.contains(where: { $0.hasPrefix(".11.mp4.") }) { break }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await kube.delete(.pods, "frigate-media-ferry-receiver", namespace: "frigate")
                }
            }
            let steps = lab.steps(between: [big, kill])
            await #expect(throws: RunnerError.self) { _ = try await lab.run(steps) }
            let before = try await snapshot(lab)
            let journal = try lab.store.load("m")
            #expect(journal.entries.last?.step == "final-copy")
            // The sender's broken connection or the receiver's end, whichever ferry sees first.
            let error = journal.entries.last?.error ?? ""
            #expect(error.contains("rsync exited") || error.contains("the rsync receiver for frigate-media on k3s-vm-still-fawn")
                    || error.contains("was deleted while ferry waited"), "\(error)")
            #expect(!journal.entries.contains { $0.step == "switch" })
            try await expectUntouched(lab, before)
            #expect(try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "ferry.dev/role").items.isEmpty)

            #expect(try await lab.resume(steps).status == .completed)
            try await expectMoved(lab, from: before)
        }
    }

    /// The target node's disk fills during the final pass: the kernel's ENOSPC to the
    /// real receiver, from a 1 MiB tmpfs mounted over the copy's directory (so the
    /// lab's node disk, this machine's, needs no filling). Unmounting it is the user
    /// making room.
    @Test func aFullTargetDiskStopsBeforeTheSwitchAndResumeFinishes() async throws {
        try await VolumeLab.with { lab in
            let move = VolumeMove(environment: lab.environment, claim: "frigate-media")
            let mediaPV = try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName))
            let mediaRoot = try lab.directory(of: mediaPV, on: VolumeLab.source)
            let mounted = Mutex<URL?>(nil)
            // Whatever happens, the tmpfs goes before the lab's directory is removed (2 is MNT_DETACH).
            defer { if let directory = mounted.withLock({ $0 }) { _ = umount2(directory.path, 2) } }
            let fill = FaultStep(id: "fill-target") {
                // A recording made after the first pass, larger than the room left.
                try Data((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
                    .write(to: mediaRoot.appendingPathComponent("recordings/2025-12-13/12.mp4"))
                let copy = try await lab.volume(try #require(try await lab.claim(move.targetClaim).volumeName))
                let directory = try lab.directory(of: copy, on: VolumeLab.target)
                let mount = try await TestProcess.run("mount", ["-t", "tmpfs", "-o", "size=1m", "ferry-full-disk", directory.path], scratch: lab.directory)
                try #require(mount.status == 0, "mounting a tmpfs over the copy needs root: \(mount.stderr)")
                mounted.withLock { $0 = directory }
                // The receiver the first copy left serving has the directory as it was
                // before the tmpfs: the final pass's own sees the full one.
                try await lab.kube.delete(.pods, move.podName("receiver"), namespace: "frigate")
                _ = try await lab.kube.waitFor(.pods, move.podName("receiver"), namespace: "frigate", timeout: .seconds(30),
                                               waitingFor: "the first copy's receiver to go") { $0 == nil }
            }
            let steps = lab.steps(between: [fill])
            await #expect(throws: RunnerError.self) { _ = try await lab.run(steps) }
            let full = try #require(mounted.withLock { $0 })
            let failed = try #require(try lab.store.load("m").entries.last)
            #expect(failed.step == "final-copy")
            #expect(failed.error?.contains("rsync exited") == true, "\(failed.error ?? "")")
            #expect(failed.error?.contains("No space left on device") == true, "\(failed.error ?? "")")
            #expect(!(try lab.store.load("m").entries.contains { $0.step == "switch" }))
            let before = try await snapshot(lab)
            try await expectUntouched(lab, before)
            #expect(try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "ferry.dev/role").items.isEmpty)

            let unmount = try await TestProcess.run("umount", [full.path], scratch: lab.directory)
            try #require(unmount.status == 0, "\(unmount.stderr)")
            mounted.withLock { $0 = nil }
            #expect(try await lab.resume(steps).status == .completed)
            try await expectMoved(lab, from: before)
        }
    }

    /// Names a line-based listing stumbles on (a tab, a newline, a backslash) are
    /// copied and verified like any other.
    @Test func filesWithTabsNewlinesAndBackslashesInTheirNamesMove() async throws {
        try await VolumeLab.with { lab in
            let pv = try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName))
            let root = try lab.directory(of: pv, on: VolumeLab.source)
            for (index, name) in ["tab\there.mp4", "new\nline.mp4", "back\\slash.mp4"].enumerated() {
                try Data(repeating: UInt8(index + 1), count: 4096 * (index + 1)).write(to: root.appendingPathComponent(name))
            }
            let before = try await snapshot(lab)
            #expect(try await lab.run(lab.steps()).status == .completed)
            try await expectMoved(lab, from: before)
        }
    }

    /// What the workload did between the first copy and scale-down, of every kind, is
    /// on the target after the final pass, and every entry's time (files',
    /// directories', links') is the source's. frigate-config's changes go by the list
    /// of paths that differ; frigate-media's (a symlink retargeted, a file with a
    /// newline in its name rewritten) by a whole rsync pass.
    @Test func theFinalPassBringsEveryKindOfChangeWithItsTimes() async throws {
        try await VolumeLab.with { lab in
            let config = try lab.directory(of: try await lab.volume(try #require(try await lab.claim("frigate-config").volumeName)), on: VolumeLab.source)
            let media = try lab.directory(of: try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName)), on: VolumeLab.source)
            let manager = FileManager.default
            try manager.createDirectory(at: config.appendingPathComponent("clips/old"), withIntermediateDirectories: true)
            for name in ["clips/old/a.jpg", "clips/old/b.jpg", "faces/alice.jpg"] {
                try manager.createDirectory(at: config.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(name.utf8).write(to: config.appendingPathComponent(name))
            }
            try Data("first\n".utf8).write(to: media.appendingPathComponent("new\nline.log"))
            let snapshotted = Mutex<Snapshot?>(nil)
            let changes = FaultStep(id: "changes") {
                let old = Date(timeIntervalSince1970: 1_700_000_000)
                // Same size, other bytes, its time kept: only the checksums see it.
                let database = config.appendingPathComponent("frigate.db").path
                let written = try manager.attributesOfItem(atPath: database)[.modificationDate]
                try Data("SQLite format 3\u{0}events,recordings,timelinX\n".utf8).write(to: URL(fileURLWithPath: database))
                try manager.setAttributes([.modificationDate: written as Any], ofItemAtPath: database)
                try manager.removeItem(at: config.appendingPathComponent("clips/old"))
                // A file come and gone: only its directory's time says so.
                try Data("x".utf8).write(to: config.appendingPathComponent("model_cache/download.tmp"))
                try manager.removeItem(at: config.appendingPathComponent("model_cache/download.tmp"))
                try manager.setAttributes([.modificationDate: old], ofItemAtPath: config.appendingPathComponent("model_cache").path)
                try manager.createDirectory(at: config.appendingPathComponent("exports/2025"), withIntermediateDirectories: true)
                try Data("{}".utf8).write(to: config.appendingPathComponent("exports/2025/a.json"))
                try manager.setAttributes([.modificationDate: old], ofItemAtPath: config.appendingPathComponent("exports").path)
                try manager.linkItem(at: config.appendingPathComponent("faces/alice.jpg"), to: config.appendingPathComponent("faces/alice-2.jpg"))
                try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.appendingPathComponent("backups/frigate.db.2025-12-12").path)
                try manager.setAttributes([.ownerAccountID: 1000, .groupOwnerAccountID: 1000], ofItemAtPath: config.appendingPathComponent("faces").path)
                try manager.removeItem(at: media.appendingPathComponent("recordings/latest"))
                try manager.createSymbolicLink(atPath: media.appendingPathComponent("recordings/latest").path, withDestinationPath: "2025-12-13/10")
                try Data("second\n".utf8).write(to: media.appendingPathComponent("new\nline.log"))
                let now = try await snapshot(lab)
                snapshotted.withLock { $0 = now }
            }
            #expect(try await lab.run(lab.steps(between: [changes])).status == .completed)
            try await expectMoved(lab, from: try #require(snapshotted.withLock { $0 }))
            for (claim, source) in [("frigate-config", config), ("frigate-media", media)] {
                let moved = try lab.directory(of: try await lab.volume(try #require(try await lab.claim(claim).volumeName)), on: VolumeLab.target)
                let (there, here) = (try Self.times(moved), try Self.times(source))
                #expect(there == here, "\(claim): times differ: \(here.keys.filter { there[$0] != here[$0] }.sorted().map { "\($0) \(here[$0]?.timeIntervalSince1970 ?? 0) on the source, \(there[$0]?.timeIntervalSince1970 ?? 0) on the target" })")
            }
        }
    }

    /// The modification time of every entry below `root` and of `root` itself, links' own.
    static func times(_ root: URL) throws -> [String: Date] {
        var times: [String: Date] = [:]
        let manager = FileManager.default
        for relative in ["."] + (manager.enumerator(atPath: root.path)?.allObjects as? [String] ?? []) {
            times[relative] = try manager.attributesOfItem(atPath: root.appendingPathComponent(relative).path)[.modificationDate] as? Date
        }
        return times
    }

    /// The first copy leaves rsync's hole keeping out for volumes without holes (it
    /// halves the throughput of large files); a volume that has one gets it kept.
    @Test func aSparseFileStaysSparseOnTheTarget() async throws {
        try await VolumeLab.with { lab in
            let pv = try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName))
            let root = try lab.directory(of: pv, on: VolumeLab.source)
            let file = root.appendingPathComponent("disk.img")
            FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            try handle.seek(toOffset: 64 << 20)
            handle.write(Data("end".utf8))
            try handle.close()
            let before = try await snapshot(lab)
            #expect(try await lab.run(lab.steps()).status == .completed)
            try await expectMoved(lab, from: before)
            let moved = try lab.directory(of: try await lab.volume(try #require(try await lab.claim("frigate-media").volumeName)), on: VolumeLab.target)
            var info = stat()
            #expect(stat(moved.appendingPathComponent("disk.img").path, &info) == 0)
            #expect(Int(info.st_size) == (64 << 20) + 3)
            #expect(Int(info.st_blocks) * 512 < 1 << 20, "the 64 MiB hole was written out: \(info.st_blocks) blocks")
        }
    }

    /// The first copy sends files over 1 MiB in two rsyncs at once, then the rest in
    /// one pass: names with spaces, a leading dash or below directories arrive whole,
    /// hard-linked ones stay linked, and a volume with a newline in a large file's
    /// name is copied in the one pass.
    @Test func largeFilesGoInTwoRsyncsAndArriveWhole() async throws {
        try await VolumeLab.with { lab in
            func root(_ claim: String) async throws -> URL {
                try lab.directory(of: try await lab.volume(try #require(try await lab.claim(claim).volumeName)), on: VolumeLab.source)
            }
            func write(_ url: URL, mebibytes: Double, seed: UInt8) throws {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                let block = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
                var data = Data()
                for index in 0..<Int(mebibytes * 16) { data.append(UInt8(truncatingIfNeeded: index)); data.append(block.dropFirst()) }
                try data.write(to: url)
            }
            let media = try await root("frigate-media")
            try write(media.appendingPathComponent("recordings/2026-12-01/cam 1.mp4"), mebibytes: 3, seed: 1)
            try write(media.appendingPathComponent("-dash.mp4"), mebibytes: 2, seed: 2)
            try write(media.appendingPathComponent("clip.mp4"), mebibytes: 1.5, seed: 3)
            try write(media.appendingPathComponent("linked.mp4"), mebibytes: 2, seed: 4)
            try FileManager.default.linkItem(at: media.appendingPathComponent("linked.mp4"), to: media.appendingPathComponent("also linked.mp4"))
            let config = try await root("frigate-config")
            try write(config.appendingPathComponent("model\ncache.bin"), mebibytes: 2, seed: 5)
            try write(config.appendingPathComponent("model.bin"), mebibytes: 2, seed: 6)
            let before = try await snapshot(lab)
            #expect(try await lab.run(lab.steps()).status == .completed)
            try await expectMoved(lab, from: before)
        }
    }

    /// A cluster that cannot reach Docker Hub names its mirror in the plan; every
    /// helper pod of that volume runs it, and the other volume keeps the default.
    @Test func theHelperPodsRunThePlansImage() async throws {
        try await VolumeLab.with { lab in
            let mirror = "registry.home.lan:5000/mirror/rsync-ssh:alpine"
            var plan = lab.environment.plan
            plan.volumes = plan.volumes.map { $0.claim == "frigate-media" ? .init(claim: $0.claim, image: mirror) : $0 }
            let environment = MigrationEnvironment(plan: plan, planFile: lab.environment.planFile, connections: lab.connections)
            let seen = Mutex<[String: Set<String>]>([:])
            // From a list's version: no pod created before the watch connects is missed.
            let since = try await lab.kube.list(.pods, namespace: "frigate").resourceVersion
            let watching = Task {
                for try await event in lab.kube.watch(.pods, namespace: "frigate", labelSelector: VolumeMove.roleLabel, resourceVersion: since) {
                    let volume = event.object["metadata"]["labels"][VolumeMove.volumeLabel].stringValue ?? ""
                    let images = (event.object["spec"]["containers"].arrayValue ?? []).compactMap { $0["image"].stringValue }
                    seen.withLock { $0[volume, default: []].formUnion(images) }
                }
            }
            let steps: [any MigrationStep] = [RetainVolumesStep(environment: environment, claims: VolumeLab.claims)]
                + VolumeLab.claims.map { PreCopyStep(environment: environment, claim: $0) }
            let journal = try await lab.run(steps)
            watching.cancel()
            #expect(journal.status == .completed)
            let images = seen.withLock { $0 }
            #expect(images["frigate-media"] == [mirror])
            #expect(images["frigate-config"] == [HelperImage.rsync])
        }
    }

    /// A node that cannot reach the image's registry fails the copy as soon as the
    /// kubelet says so (not when the wait for the pod times out), with the pull error
    /// and what to do; nothing was copied and no helper pod is left.
    @Test func anImageTheNodesCannotPullFailsTheCopyAtOnce() async throws {
        try await VolumeLab.with { lab in
            let error = try await firstCopyFails(lab, image: "registry.home.invalid/rsync-ssh:alpine")
            #expect(error.contains("cannot pull registry.home.invalid/rsync-ssh:alpine (ErrImagePull: Failed to pull image"), "\(error)")
            #expect(error.contains("lookup registry.home.invalid: no such host"), "\(error)")
            #expect(error.contains("registries.yaml"), "\(error)")
        }
    }

    /// Runs the first copies with every volume's helper image set to `image`, expects
    /// them to fail at the first volume leaving everything as it was and no helper pod,
    /// and returns the journaled error.
    func firstCopyFails(_ lab: VolumeLab, image: String? = nil) async throws -> String {
        var plan = lab.environment.plan
        if let image { plan.volumes = plan.volumes.map { .init(claim: $0.claim, image: image) } }
        let environment = MigrationEnvironment(plan: plan, planFile: lab.environment.planFile, connections: lab.connections)
        let before = try await snapshot(lab)
        let steps: [any MigrationStep] = [RetainVolumesStep(environment: environment, claims: VolumeLab.claims)]
            + VolumeLab.claims.map { PreCopyStep(environment: environment, claim: $0) }
        let started = ContinuousClock.now
        await #expect(throws: RunnerError.self) { _ = try await lab.run(steps) }
        print("the copy with \(image ?? "the default image") failed after \(ContinuousClock.now - started)")
        let failed = try lab.store.load("m").entries.last
        #expect(failed?.step == "pre-copy-frigate-config")
        try await expectUntouched(lab, before)
        #expect(try await lab.kube.list(.pods, namespace: "frigate", labelSelector: VolumeMove.roleLabel).items.isEmpty)
        return failed?.error ?? ""
    }

    /// An image without rsync (BusyBox's own, say): the helper pods' first check finds
    /// it missing, and the copy fails at once, naming the pod, its exit status, the
    /// tool and the plan's field to change, instead of waiting out a timeout; no
    /// helper pod is left.
    @Test func anImageWithoutRsyncFailsTheCopyAtOnceNamingWhatItLacks() async throws {
        try await VolumeLab.with { lab in
            let error = try await firstCopyFails(lab, image: "docker.io/library/busybox:1.36")
            #expect(error.contains("ended with exit status 96"), "\(error)")
            #expect(error.contains("ferry: the helper image lacks: rsync"), "\(error)")
            #expect(error.contains("pod frigate/"), "\(error)")
            #expect(error.contains("fix: the helper pods run docker.io/library/busybox:1.36, which lacks a tool"), "\(error)")
            #expect(error.contains("(volumes[].image)"), "\(error)")
        }
    }

    /// The sender's rsync failing on a file (23, "some files/attrs were not
    /// transferred"; here a path longer than rsync takes, as deep trees of real data
    /// have): the copy fails at once with rsync's own status and words, the name cut
    /// short in the message, and no helper pod left.
    @Test func anRsyncThatCannotSendAFileFailsTheCopyAtOnceWithItsStatus() async throws {
        try await VolumeLab.with { lab in
            let pv = try await lab.volume(try #require(try await lab.claim("frigate-config").volumeName))
            let root = try lab.directory(of: pv, on: VolumeLab.source)
            let segment = String(repeating: "d", count: 250)
            // Seventeen directories of 250 bytes, past rsync's 4096: made one below the
            // other, since the whole path is too long for mkdir.
            var directory = open(root.path, O_RDONLY | O_DIRECTORY)
            for _ in 0..<17 {
                #expect(mkdirat(directory, segment, 0o755) == 0)
                let next = openat(directory, segment, O_RDONLY | O_DIRECTORY)
                close(directory)
                directory = next
            }
            let file = openat(directory, "file", O_WRONLY | O_CREAT, 0o644)
            #expect(file >= 0 && write(file, "x\n", 2) == 2)
            close(file)
            close(directory)

            let error = try await firstCopyFails(lab)
            #expect(error.contains("rsync exited 23 (partial transfer due to an error)"), "\(error)")
            #expect(error.contains("some files/attrs were not transferred"), "\(error)")
            #expect(error.contains("fix: rsync's lines above name what it could not send"), "\(error)")
            #expect(error.contains("pod frigate/frigate-config-ferry-sender"), "\(error)")
            #expect(error.contains("filename overflows max-path len by 171: ddd"), "\(error)")
            #expect(error.utf8.count < 2048, "the 4 KB name is cut: \(error)")
            // GNU find and rm go as deep as it goes (Foundation's removal does not), on
            // both nodes: rsync made part of the tree on the target.
            let removed = try await TestProcess.run("/usr/bin/find", [
                lab.directory.appendingPathComponent("nodes").path, "-name", segment, "-prune", "-exec", "rm", "-rf", "{}", "+",
            ], scratch: lab.directory)
            #expect(removed.status == 0, "\(removed.stderr)")
        }
    }

    /// The receiver's rsync daemon serves only the pass's sender: without the pass's
    /// secret, or with another, nothing on the pod network can read or write the
    /// volume; the secret is only referenced by the pods' specs and goes with them.
    @Test func theReceiverServesOnlyWhoKnowsThePassSecret() async throws {
        try await VolumeLab.with { lab in
            let pods = HelperPods(move: VolumeMove(environment: lab.environment, claim: "frigate-config"))
            try await pods.makeSecret()
            let started = try await pods.start(
                pods.spec(role: "receiver", claim: "frigate-config", readOnly: false, hostname: VolumeLab.source, script: HelperScripts.receiver),
                timeout: .seconds(30))
            let ip = try #require(started.json["status"]["podIP"].stringValue)
            let stored = try await lab.kube.get(.secrets, pods.secretName, namespace: "frigate")
            let encoded = try #require(stored["data"][HelperPods.secretKey].stringValue)
            let secret = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
            #expect(secret.count == 64)
            let spec = try await lab.kube.get(.pods, started.name, namespace: "frigate")
            #expect(!spec.serialized.contains(secret), "the pod's spec refers to the Secret, never holds its value")

            let url = "rsync://ferry@\(ip):\(RsyncCopy.port)/vol/"
            func list(password: String?) async throws -> (status: Int32, stderr: String) {
                var environment = ProcessInfo.processInfo.environment
                environment["RSYNC_PASSWORD"] = password
                let ran = try await TestProcess.run("rsync", ["--list-only", url], scratch: lab.directory, environment: environment)
                return (ran.status, ran.stderr)
            }
            // The daemon starts after the pod has its address: wait for it to answer.
            let deadline = ContinuousClock.now + .seconds(30)
            var right = try await list(password: secret)
            while right.status != 0, right.stderr.contains("Connection refused"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                right = try await list(password: secret)
            }
            #expect(right.status == 0, "the pass's secret opens the volume: \(right.stderr)")
            let none = try await list(password: "")
            #expect(none.status != 0 && none.stderr.contains("auth failed"), "\(none.stderr)")
            let wrong = try await list(password: String(repeating: "0", count: 64))
            #expect(wrong.status != 0 && wrong.stderr.contains("auth failed"), "\(wrong.stderr)")
            let anonymous = try await TestProcess.run("rsync", ["--list-only", "rsync://\(ip):\(RsyncCopy.port)/vol/"], scratch: lab.directory)
            #expect(anonymous.status != 0, "no user, no volume: \(anonymous.stderr)")

            let log = try await lab.kube.logs(pod: started.name, namespace: "frigate")
            #expect(!log.contains(secret), "\(log)")
            try await pods.removeAll()
            #expect(try await lab.helperObjects().isEmpty, "the pods and the Secret are gone")
        }
    }

    /// The name the checksum caches live under at the root of the copy is refused in a
    /// volume, before anything is copied, rather than silently left out of the copy.
    @Test func aVolumeHoldingTheCacheNameIsRefusedWithWhatToRename() async throws {
        try await VolumeLab.with { lab in
            let pv = try await lab.volume(try #require(try await lab.claim("frigate-config").volumeName))
            let reserved = try lab.directory(of: pv, on: VolumeLab.source).appendingPathComponent(".ferry-move-cache")
            try FileManager.default.createDirectory(at: reserved, withIntermediateDirectories: false)
            try Data("mine".utf8).write(to: reserved.appendingPathComponent("notes"))
            let steps = lab.steps()
            let before = try await snapshot(lab)
            await #expect(throws: RunnerError.self) { _ = try await lab.run(steps) }
            let failed = try #require(try lab.store.load("m").entries.last)
            #expect(failed.step == "pre-copy-frigate-config")
            #expect(failed.error?.contains("/.ferry-move-cache") == true, "\(failed.error ?? "")")
            #expect(failed.error?.contains("rename") == true, "\(failed.error ?? "")")
            try await expectUntouched(lab, before)
            #expect(try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "ferry.dev/role").items.isEmpty)

            try FileManager.default.moveItem(at: reserved, to: reserved.deletingLastPathComponent().appendingPathComponent("ferry-notes"))
            let renamed = try await snapshot(lab)
            #expect(try await lab.resume(steps).status == .completed)
            try await expectMoved(lab, from: renamed)
        }
    }

    @Test func aCorruptedByteOnTheTargetStopsBeforeTheSwitchAndResumeFinishes() async throws {
        try await VolumeLab.with { lab in
            let move = VolumeMove(environment: lab.environment, claim: "frigate-config")
            let corrupt = FaultStep(id: "corrupt") {
                // One byte flipped in the copy, size and mtime kept: what rsync's quick check cannot see.
                let copy = try await lab.volume(try #require(try await lab.claim(move.targetClaim).volumeName))
                let file = try lab.directory(of: copy, on: VolumeLab.target).appendingPathComponent("frigate.db")
                let modified = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate]
                var bytes = try Data(contentsOf: file)
                bytes[0] ^= 0x20
                try bytes.write(to: file)
                try FileManager.default.setAttributes([.modificationDate: modified as Any], ofItemAtPath: file.path)
            }
            let steps = lab.steps(between: [corrupt])
            let before = try await snapshot(lab)
            await #expect(throws: RunnerError.self) { _ = try await lab.run(steps) }
            let failed = try #require(try lab.store.load("m").entries.last)
            #expect(failed.step == "final-copy")
            #expect(failed.error?.contains("differs from the original") == true)
            #expect(failed.error?.contains("./frigate.db") == true, "\(failed.error ?? "")")
            try await expectUntouched(lab, before)

            #expect(try await lab.resume(steps).status == .completed)
            try await expectMoved(lab, from: before)
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

/// The helper receivers of the lab's migration, by uid: those there when `start` is
/// called, and every one seen from then until `stop`.
/// The helper pods of the move seen while it watches, as `ROLE UID`: those there when it
/// started, and every one seen after.
actor HelperPodWatch {
    let kube: KubeClient
    private var there: Set<String> = []
    private var seen: Set<String> = []
    private var task: Task<Void, Never>?

    init(kube: KubeClient) { self.kube = kube }

    func start() async throws {
        there = try await current()
        task = Task {
            while !Task.isCancelled {
                if let now = try? await current() { add(now) }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func stop() async -> (there: Set<String>, seen: Set<String>) {
        task?.cancel()
        await task?.value
        return (there, seen)
    }

    private func add(_ now: Set<String>) { seen.formUnion(now) }

    private func current() async throws -> Set<String> {
        let selector = "ferry.dev/migration=frigate-piglet-to-fawn,ferry.dev/role"
        return Set(try await kube.list(.pods, namespace: "frigate", labelSelector: selector).items.map { pod in
            "\(pod["metadata"]["labels"][VolumeMove.roleLabel].stringValue ?? "") \(pod["metadata"]["uid"].stringValue ?? "")"
        })
    }
}
