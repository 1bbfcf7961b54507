import FerryTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import FerryCore

/// The helper pods' scripts run for real on temporary directories, as the default
/// helper image runs them (BusyBox's `sh` and applets, and rsync, nothing else on
/// PATH) and as a GNU image does (`dash` and this machine's tools). busybox, dash,
/// rsync and shellcheck are installed by `.ci/run`: a test fails when one is missing.
@Suite struct HelperScriptShellTests {
    /// One of the two tool sets a helper image may have.
    enum Tools: CaseIterable, CustomTestStringConvertible {
        case busybox, gnu
        var testDescription: String { self == .busybox ? "BusyBox sh and applets" : "dash and GNU tools" }
    }

    struct Ran {
        var status: Int32
        var stdout: Data
        var stderr: String
        var seconds: Double
    }

    /// A scratch directory, removed when the test's value goes.
    final class Scratch: Sendable {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-scripts-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    /// The program `name` on this machine's PATH, or a failure that says how to get it.
    static func program(_ name: String, package: String? = nil) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        Issue.record("\(name) is not installed: the helper scripts are tested with it (apt-get install \(package ?? name); .ci/run does)")
        throw CancellationError()
    }

    /// A directory of BusyBox's applets (and rsync, unless `rsync: false`), to be the
    /// whole PATH of a script: what the default helper image has.
    static func busyboxPath(in scratch: Scratch, rsync: Bool = true, leaving: Set<String> = []) async throws -> String {
        let busybox = try program("busybox")
        let directory = scratch.path("busybox-bin-\(UUID().uuidString.prefix(4))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let listed = try await TestProcess.run(busybox, ["--list"], scratch: scratch.url)
        let applets = String(decoding: listed.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(applets.contains("sh") && applets.contains("stat"), "busybox --list: \(applets.count) applets")
        for applet in applets where !leaving.contains(applet) {
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/\(applet)", withDestinationPath: busybox)
        }
        if rsync { try FileManager.default.createSymbolicLink(atPath: "\(directory)/rsync", withDestinationPath: try program("rsync")) }
        return directory
    }

    /// The PATH of `tools` without rsync (BusyBox's applets), or this machine's.
    static func basePath(_ tools: Tools, in scratch: Scratch) async throws -> String {
        switch tools {
        case .busybox: try await busyboxPath(in: scratch, rsync: false)
        case .gnu: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        }
    }

    /// Runs `script` (a script's whole text) with `arguments` under `tools`, with PATH
    /// `path` (by default, BusyBox's applets and rsync, or this machine's PATH).
    static func run(
        _ script: String, _ arguments: [String] = [], tools: Tools, in scratch: Scratch,
        path: String? = nil, environment: [String: String] = [:]
    ) async throws -> Ran {
        let file = scratch.path("script-\(UUID().uuidString.prefix(8)).sh")
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        var env = environment
        env["TMPDIR"] = scratch.url.path
        let executable: String
        let argv: [String]
        switch tools {
        case .busybox:
            executable = try program("busybox")
            argv = ["sh", file] + arguments
            if let path { env["PATH"] = path } else { env["PATH"] = try await busyboxPath(in: scratch) }
        case .gnu:
            executable = try program("dash")
            argv = [file] + arguments
            env["PATH"] = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        }
        let start = ContinuousClock.now
        let ran = try await TestProcess.run(executable, argv, scratch: scratch.url, environment: env)
        let elapsed = ContinuousClock.now - start
        return Ran(status: ran.status, stdout: ran.stdout, stderr: ran.stderr,
                   seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Runs a setup script with this machine's shell and tools; it must succeed.
    static func shell(_ script: String, in scratch: Scratch) async throws {
        let ran = try await TestProcess.run("/bin/sh", ["-ec", script], scratch: scratch.url)
        try #require(ran.status == 0, "setup failed: \(ran.stderr)")
    }

    /// A tree with what tells tool sets apart: names with newlines, tabs, spaces, a
    /// backslash and a quote, hard links, a sparse file, symlinks (one whose name holds
    /// " -> "), a FIFO, an empty file, and the cache directory (never listed).
    static func awkwardTree(_ root: String, newlines: Bool, in scratch: Scratch) async throws {
        try await shell("""
            mkdir -p '\(root)' && cd '\(root)'
            echo plain > plain
            printf 'x' > 'sp ace'
            printf 'y' > "$(printf 'ta\\tb')"
            printf 'w' > 'back\\slash'
            printf 'q' > "it's"
            mkdir -p "dir one/$(printf 'sub\\ttab')" '\(HelperScripts.cacheDirectory)'
            echo cache > '\(HelperScripts.cacheDirectory)/x'
            echo linked > 'dir one/hard'; ln 'dir one/hard' hard2
            truncate -s 10M sparse; printf 'end' >> sparse
            ln -s plain link1
            ln -s 'a -> b' 'arrow -> x'
            ln -s "it's" "q'link"
            ln -s "$(printf 'ta\\tb')" "$(printf 'l\\tt')"
            mkfifo fifo
            : > empty
            if \(newlines ? "true" : "false"); then
              printf 'z' > "$(printf 'new\\nline')"
              ln -s "$(printf 'new\\nline')" "$(printf 'link\\nnl')"
            fi
            """, in: scratch)
    }

    // MARK: - The manifest

    @Test(arguments: [true, false])
    func theManifestIsTheSameBytesWithBusyBoxAndWithGNUTools(newlines: Bool) async throws {
        let scratch = try Scratch()
        let root = scratch.path("tree")
        try await Self.awkwardTree(root, newlines: newlines, in: scratch)
        var listings: [Tools: Data] = [:]
        for tools in Tools.allCases {
            let ran = try await Self.run(HelperScripts.manifest, [root, "", ""], tools: tools, in: scratch)
            #expect(ran.status == 0, "\(tools.testDescription): \(ran.stderr)")
            listings[tools] = ran.stdout
        }
        let busybox = String(decoding: listings[.busybox] ?? Data(), as: UTF8.self)
        let gnu = String(decoding: listings[.gnu] ?? Data(), as: UTF8.self)
        #expect(busybox == gnu, "BusyBox:\n\(busybox)\nGNU:\n\(gnu)")
        let lines = gnu.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // What a user reads in a difference: each entry as it is.
        #expect(lines.contains { $0.hasPrefix("f ") && $0.contains(" 10485763 1 ") && $0.hasSuffix(" ./sparse") }, "the sparse file's size")
        #expect(lines.filter { $0.hasPrefix("f ") && $0.contains(" 7 2 ") }.count == 2, "both names of the hard link, 2 links each")
        #expect(lines.contains { $0.hasPrefix("l ") && $0.hasSuffix(" './arrow -> x' -> 'a -> b'") })
        #expect(lines.contains { $0.hasSuffix(" './q'link' -> 'it's'") })
        #expect(lines.contains { $0.hasSuffix(" ./back\\slash") && $0.hasPrefix("h ") }, "a backslash stays as it is")
        #expect(lines.contains { $0.hasPrefix("o ") && $0.hasSuffix(" ./fifo") })
        #expect(!gnu.contains(HelperScripts.cacheDirectory))
        #expect(lines.contains { $0.hasPrefix("h e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ./empty") })
        if newlines {
            // A name with a newline is lines of no known shape, sorted apart (the sender
            // copies such a volume by a whole pass), but the same lines on both sides.
            #expect(lines.contains { $0.hasPrefix("f ") && $0.hasSuffix(" ./new") } && lines.contains("line"))
            #expect(lines.contains { $0.hasPrefix("h 594e519ae499312b29433b7dd8a97ff068defcba9755b6d5d00e84c524d67b06  ./new") })
        }
    }

    @Test func theCachesAreTheSameWithBusyBoxAndWithGNUTools() async throws {
        let scratch = try Scratch()
        let root = scratch.path("tree")
        try await Self.awkwardTree(root, newlines: false, in: scratch)
        var caches: [Tools: String] = [:]
        var listings: [Tools: Data] = [:]
        for tools in Tools.allCases {
            let cache = scratch.path("cache-\(tools)")
            let first = try await Self.run(HelperScripts.manifest, [root, "", cache], tools: tools, in: scratch)
            #expect(first.status == 0, "\(first.stderr)")
            let again = try await Self.run(HelperScripts.manifest, [root, cache, "", "", scratch.path("misses-\(tools)")], tools: tools, in: scratch)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == first.stdout, "\(tools.testDescription): the listing from the cache is the listing")
            #expect(try String(contentsOfFile: scratch.path("misses-\(tools)"), encoding: .utf8) == "", "every hash came from the cache")
            caches[tools] = try String(contentsOfFile: cache, encoding: .utf8)
            listings[tools] = first.stdout
        }
        #expect(caches[.busybox] == caches[.gnu])
        #expect(caches[.gnu]?.split(separator: "\n").count == 9, "one line per regular file: \(caches[.gnu] ?? "")")
        #expect(listings[.busybox] == listings[.gnu])
    }

    /// The corrupted byte: a write that keeps the size, with the mtime set back, right
    /// after the listing that kept the hashes (in its second), and a chmod that changes
    /// only the ctime. Neither hash is taken from the cache.
    @Test(arguments: Tools.allCases)
    func aCachedHashIsNotTrustedOnceTheFileChanged(tools: Tools) async throws {
        let scratch = try Scratch()
        let root = scratch.path("tree")
        try await Self.shell("""
            mkdir -p '\(root)' && cd '\(root)'
            printf 'original' > data
            printf 'mode' > mode
            printf 'same' > same
            """, in: scratch)
        let cache = scratch.path("cache")
        let kept = try await Self.run(HelperScripts.manifest, [root, "", cache], tools: tools, in: scratch)
        #expect(kept.status == 0, "\(kept.stderr)")
        try await Self.shell("""
            cd '\(root)'
            time=$(stat -c %Y data)
            printf 'corrupt!' > data
            touch -d "@$time" data
            chmod 600 mode
            """, in: scratch)
        let misses = scratch.path("misses")
        let cached = try await Self.run(HelperScripts.manifest, [root, cache, "", "", misses], tools: tools, in: scratch)
        let fresh = try await Self.run(HelperScripts.manifest, [root, "", ""], tools: tools, in: scratch)
        #expect(cached.status == 0 && fresh.status == 0, "\(cached.stderr) \(fresh.stderr)")
        let listing = String(decoding: cached.stdout, as: UTF8.self)
        #expect(listing == String(decoding: fresh.stdout, as: UTF8.self), "the cache changes nothing in the listing")
        #expect(listing != String(decoding: kept.stdout, as: UTF8.self))
        // sha256("corrupt!"), not the cached sha256("original").
        #expect(listing.contains("h 469c8c9a12d61eda0699469d4554b6d497bb3921280e94e23e1c6c53932bb786  ./data\n"))
        #expect(!listing.contains("h 0682c5f2076f099c34cfdd15a9e063849ed437a49677e6fcc5b4198c76575be5  ./data"), "the old hash of data")
        #expect(try String(contentsOfFile: misses, encoding: .utf8).split(separator: "\n").sorted() == ["./data", "./mode"])
    }

    // MARK: - The tool check

    @Test(arguments: [("manifest", HelperScripts.manifest), ("receiver", HelperScripts.receiver), ("sender", HelperScripts.sender)])
    func aScriptOnAnImageWithoutATool(name: String, script: String) async throws {
        let scratch = try Scratch()
        // The manifest needs no rsync: it is shown missing sha256sum.
        let path = try await Self.busyboxPath(in: scratch, rsync: name == "manifest", leaving: name == "manifest" ? ["sha256sum"] : [])
        let arguments = name == "manifest" ? [scratch.url.path, "", ""] : []
        let ran = try await Self.run(script, arguments, tools: .busybox, in: scratch, path: path,
                                     environment: ["POD_IP": "127.0.0.1", "RECEIVER": "127.0.0.1"])
        #expect(ran.status == Int32(HelperScripts.Exit.missingTool))
        #expect(ran.stderr == "ferry: the helper image lacks: \(name == "manifest" ? "sha256sum" : "rsync")\n")
        #expect(ran.stdout.isEmpty)
    }

    @Test func theSenderNamesEveryToolTheImageLacks() async throws {
        let scratch = try Scratch()
        let path = try await Self.busyboxPath(in: scratch, rsync: false, leaving: ["mkfifo", "sha256sum"])
        let ran = try await Self.run(HelperScripts.sender, tools: .busybox, in: scratch, path: path, environment: ["RECEIVER": "127.0.0.1"])
        #expect(ran.status == Int32(HelperScripts.Exit.missingTool))
        #expect(ran.stderr == "ferry: the helper image lacks: mkfifo rsync sha256sum\n")
    }

    // MARK: - Waiting for the receiver

    /// A loopback address nothing listens on at ferry's port (checked by binding it).
    static func silentReceiver() throws -> String {
        for _ in 0..<20 {
            let address = "127.251.\(Int.random(in: 1...254)).\(Int.random(in: 1...254))"
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = in_port_t(UInt16(RsyncCopy.port).bigEndian)
            inet_pton(AF_INET, address, &socketAddress.sin_addr)
            let bound = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return address }
        }
        Issue.record("no free loopback address for port \(RsyncCopy.port)")
        throw CancellationError()
    }

    @Test(arguments: Tools.allCases)
    func theSenderWaitsForAReceiverThatRefusesThenGivesUp(tools: Tools) async throws {
        let scratch = try Scratch()
        let receiver = try Self.silentReceiver()
        let ran = try await Self.run(HelperScripts.sender, tools: tools, in: scratch,
                                     environment: ["RECEIVER": receiver, "FERRY_RECEIVER_WAIT": "1", "FERRY_STAGES": "room"])
        #expect(ran.status == Int32(HelperScripts.Exit.receiverUnreachable), "\(ran.stderr)")
        #expect(ran.stderr == "the receiver at \(receiver):\(RsyncCopy.port) did not answer within 1s\n")
        #expect(ran.seconds >= 1, "it waited the whole second: \(ran.seconds) s")
        #expect(ran.seconds < 10, "and not much more: \(ran.seconds) s")
    }

    /// An rsync that fails for another reason than a refused connection (here 23, a
    /// partial transfer): the sender ends at once with rsync's status and message.
    @Test(arguments: Tools.allCases)
    func theSenderDoesNotWaitOutAnyOtherFailure(tools: Tools) async throws {
        let scratch = try Scratch()
        let shim = scratch.path("shim")
        try await Self.shell("""
            mkdir '\(shim)'
            printf '#!/bin/sh\\necho "rsync: some files could not be transferred" >&2\\nexit 23\\n' > '\(shim)/rsync'
            chmod +x '\(shim)/rsync'
            """, in: scratch)
        let base = try await Self.basePath(tools, in: scratch)
        let ran = try await Self.run(HelperScripts.sender, tools: tools, in: scratch, path: "\(shim):\(base)",
                                     environment: ["RECEIVER": "127.0.0.1", "FERRY_RECEIVER_WAIT": "30", "FERRY_STAGES": "room"])
        #expect(ran.status == 23)
        #expect(ran.stderr == "rsync: some files could not be transferred\n")
        #expect(ran.seconds < 10, "well under FERRY_RECEIVER_WAIT's 30 s: \(ran.seconds) s")
    }

    /// A daemon that refuses twice, then answers: the sender goes on.
    @Test(arguments: Tools.allCases)
    func theSenderGoesOnOnceTheReceiverListens(tools: Tools) async throws {
        let scratch = try Scratch()
        let shim = scratch.path("shim")
        let count = scratch.path("count")
        try await Self.shell("""
            mkdir '\(shim)'
            cat > '\(shim)/rsync' <<'EOF'
            #!/bin/sh
            echo x >> '\(count)'
            if [ "$(wc -l < '\(count)')" -le 2 ]; then
              echo "rsync: [Receiver] failed to connect to 127.0.0.1 (127.0.0.1): Connection refused (111)" >&2
              echo "rsync error: error in socket IO (code 10) at clientserver.c(139) [Receiver=3.2.7]" >&2
              exit 10
            fi
            EOF
            chmod +x '\(shim)/rsync'
            """, in: scratch)
        let base = try await Self.basePath(tools, in: scratch)
        let ran = try await Self.run(HelperScripts.sender, tools: tools, in: scratch, path: "\(shim):\(base)",
                                     environment: ["RECEIVER": "127.0.0.1", "FERRY_RECEIVER_WAIT": "30", "FERRY_STAGES": ""])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stderr == "")
        #expect(try String(contentsOfFile: count, encoding: .utf8) == "x\nx\nx\n", "two refusals, then the answer")
    }

    // MARK: - The files and the constants

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/FerryCore/Volumes/Scripts").standardized

    @Test func theBinaryHoldsTheScriptsAsTheirFilesAre() throws {
        for (name, embedded) in [("manifest", EmbeddedScripts.manifest), ("receiver", EmbeddedScripts.receiver), ("sender", EmbeddedScripts.sender)] {
            let file = try String(contentsOf: Self.scripts.appendingPathComponent("\(name).sh"), encoding: .utf8)
            #expect(embedded + "\n" == file, "\(name).sh")
        }
    }

    /// The `name=value` lines of a built script's constants block.
    static func constants(_ script: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in script.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="), line.first?.isLowercase == true,
                  line[..<equals].allSatisfy({ $0.isLowercase || $0 == "_" }) else { continue }
            let name = String(line[..<equals])
            guard name == "mount" || name == "port" || name == "cache_dir" || name.hasSuffix("_prefix") || name.hasPrefix("exit_") else { continue }
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if values[name] == nil { values[name] = value }
        }
        return values
    }

    @Test func eachScriptUsesFerrysConstants() {
        let exits = [
            "exit_no_room": HelperScripts.Exit.noRoom, "exit_receiver_check": HelperScripts.Exit.receiverCheck,
            "exit_source_listing": HelperScripts.Exit.sourceListing, "exit_reserved_name": HelperScripts.Exit.reservedName,
            "exit_receiver_unreachable": HelperScripts.Exit.receiverUnreachable, "exit_missing_tool": HelperScripts.Exit.missingTool,
            "exit_cannot_wait": HelperScripts.Exit.cannotWait,
        ].mapValues { "\($0)" }
        let common = ["mount": HelperPods.mountPath, "port": "\(RsyncCopy.port)", "cache_dir": HelperScripts.cacheDirectory]
        #expect(Self.constants(HelperScripts.manifest) == ["cache_dir": HelperScripts.cacheDirectory, "exit_missing_tool": "96"])
        #expect(Self.constants(HelperScripts.receiver) == common.merging(["exit_missing_tool": "96"]) { a, _ in a })
        #expect(Self.constants(HelperScripts.sender) == common.merging(exits) { a, _ in a }.merging([
            "summary_prefix": VolumeComparison.summaryPrefix, "differs_prefix": VolumeComparison.differsPrefix,
        ]) { a, _ in a })
        #expect(HelperScripts.Exit.missingTool == 96)
        for script in [HelperScripts.manifest, HelperScripts.receiver, HelperScripts.sender] {
            #expect(script.range(of: "@[A-Z_]+@", options: .regularExpression) == nil, "a placeholder left")
        }
        // The pods write the manifest from a here-document: the very text, whole.
        for script in [HelperScripts.receiver, HelperScripts.sender] {
            #expect(script.contains("<<'FERRY_MANIFEST'\n\(HelperScripts.manifest)\nFERRY_MANIFEST\n"))
        }
        #expect(!HelperScripts.manifest.contains("\nFERRY_MANIFEST\n"))
    }

    @Test func aPlaceholderWithoutAValueIsNoScript() {
        #expect(HelperScripts.filled("a=@A@ \"$@\" b@c.d", ["A": "1"]) == "a=1 \"$@\" b@c.d")
    }

    @Test func shellcheckFindsNothing() async throws {
        let shellcheck = try Self.program("shellcheck")
        let scratch = try Scratch()
        for name in ["manifest", "receiver", "sender"] {
            let ran = try await TestProcess.run(shellcheck, ["-s", "sh", Self.scripts.appendingPathComponent("\(name).sh").path], scratch: scratch.url)
            #expect(ran.status == 0, "\(name).sh:\n\(String(decoding: ran.stdout, as: UTF8.self))\(ran.stderr)")
        }
    }
}
