import FerryJSON
import FerryKube
import Foundation

/// A pass over one volume from a claim on one node to a claim on another, node to
/// node over the cluster network: a receiver pod runs `rsync --daemon` on its pod IP,
/// sender pods on the source side push to it and check with it
/// (`HelperScripts`). The bytes never pass through the machine running ferry.
///
/// rsync is what makes the move resumable and the downtime small: a pass after an
/// interrupted one, or after the workload changed a few files, sends only what
/// differs (`--partial` keeps half-sent large files). Success is the sender's exit
/// status as the kubelet reports it, never a line of its output.
struct RsyncCopy: Sendable {
    static let port = 8730
    /// Where a sender started ahead of the final pass listens for ferry's word.
    static let wordPort = 8731
    /// rsyncs at once for a first copy's large files. Two, measured on two cores: one
    /// gave 3.7 s for 1 GiB over loopback, two 1.7 s, three 1.9-2.6 s.
    static let streams = 2

    let move: VolumeMove
    var pods: HelperPods { HelperPods(move: move) }

    /// One end of a copy: a claim, and the node whose disk holds its volume (by
    /// name, for messages, and by the `kubernetes.io/hostname` value the pod is
    /// pinned with: the PV's own when it names one).
    struct Side: Sendable {
        var claim: String
        var node: String
        var hostname: String
    }

    /// What a sender does; `HelperScripts.sender` says how.
    enum Stage: Sendable, Equatable {
        /// Refuse when the data does not fit on the target.
        case room
        /// One rsync pass. `live` tolerates files that vanish during it (rsync's 24):
        /// the workload still runs. `checksum` compares contents, not sizes and times.
        case copy(live: Bool, checksum: Bool)
        /// List both sides and compare.
        case sums(Checksums)
        /// The final pass: list both sides at once (with the last listing's checksums),
        /// send only the paths whose lines differ, list those again on the target and
        /// compare; the caches are then removed. A file of the copy that changed while
        /// its original did not, with no pass writing the copy since the last listing,
        /// is reported as a difference, not copied over. Anything a list of paths
        /// cannot say (a symlink, a name with a newline) goes by a whole pass.
        case changes

        /// Where the checksums of a listing come from and what becomes of them.
        enum Checksums: String, Sendable {
            /// Reused for files that did not change since the last listing, and kept.
            case keep = "sums"
            /// Every file hashed, the caches removed: after a difference.
            case fresh = "sums-fresh"
        }

        var word: String {
            switch self {
            case .room: "room"
            case .copy: "copy"
            case .sums(let checksums): checksums.rawValue
            case .changes: "changes"
            }
        }
    }

    /// One sender pod: its stages, and what the run waits for while it works.
    struct Sender: Sendable {
        var stages: [Stage]
        var waiting: String

        var live: Bool { stages.contains { if case .copy(true, _) = $0 { true } else { false } } }
        var checksum: Bool { stages.contains { if case .copy(_, true) = $0 { true } else { false } } }
        var compares: Bool {
            stages.contains {
                switch $0 {
                case .sums, .changes: true
                case .room, .copy: false
                }
            }
        }
    }

    /// Starts a receiver on `target` (or takes the one an earlier pass left serving),
    /// runs the senders on `source` one after another, and removes every helper pod
    /// of the volume, also when a sender fails; with `keepReceiver`, a pass that
    /// succeeds leaves its receiver serving for the next one, so that the pass after
    /// the scale-down starts no receiver in the downtime. Returns the comparison of
    /// the last sender that compared.
    ///
    /// A lone sender whose stages a sender started ahead (`arm`) has, beside the same
    /// receiver, is that one: it gets ferry's word instead of being started.
    @discardableResult
    func run(
        from source: Side, to target: Side, senders: [Sender], keepReceiver: Bool = false, context: StepContext
    ) async throws -> VolumeComparison? {
        let serving = try await pods.servingReceiver()
        var armed: Pod?
        if let serving, senders.count == 1 { armed = try await pods.armed(beside: serving, stages: Self.words(senders[0])) }
        if serving == nil { try await pods.removeAll() } else { try await pods.removeSenders(keepingArmed: armed != nil) }
        do {
            if serving == nil { try await pods.makeSecret() }
            let comparison = try await pass(from: source, to: target, senders: senders, serving: serving, armed: armed, context: context)
            if keepReceiver { try await pods.removeSenders() } else { try await pods.removeAll() }
            return comparison
        } catch {
            // Also when the run was interrupted: in a task of its own, which Ctrl-C
            // has not cancelled, so its API calls go through.
            let pods = self.pods
            await Task { try? await pods.removeAll() }.value
            throw error
        }
    }

    /// Starts the sender of the pass after this one now, beside the receiver this pass
    /// kept, waiting for ferry's word (`HelperScripts.sender`, FERRY_WORD_PORT): so
    /// the final pass starts no pod in the downtime. Not waited for: should it not
    /// start or not listen, the final pass starts a sender as it would without it.
    func arm(from source: Side, sender: Sender) async throws {
        guard let receiver = try await pods.servingReceiver(), let ip = receiver.json["status"]["podIP"].stringValue else { return }
        var env = environment(for: sender, receiver: ip, served: true)
        env["FERRY_WORD_PORT"] = .string(String(Self.wordPort))
        var spec = pods.spec(
            role: HelperPods.armedRole, claim: source.claim, readOnly: true, hostname: source.hostname, script: HelperScripts.sender, env: env)
        spec["metadata"]["annotations"][HelperPods.armedAnnotation] = .string(HelperPods.armedValue(receiver: receiver, stages: Self.words(sender)))
        try await pods.create(spec)
    }

    static func words(_ sender: Sender) -> String { sender.stages.map(\.word).joined(separator: " ") }

    /// A sender's environment: `served` when the receiver listens already (it served a
    /// sender before), so the sender does not ask.
    private func environment(for sender: Sender, receiver ip: String, served: Bool) -> [String: JSON] {
        var env: [String: JSON] = [
            "RECEIVER": .string(Self.host(ip)), "FERRY_STAGES": .string(Self.words(sender)),
            "FERRY_RECEIVER_WAIT": .string(String(move.plan.timeouts.podReady.seconds)),
        ]
        if served { env["FERRY_RECEIVER_SERVING"] = "1" }
        // After a verification found a difference rsync's size-and-time check misses
        // (a corrupted byte), compare contents.
        if sender.checksum { env["FERRY_RSYNC_FLAGS"] = "--checksum" }
        if sender.live {
            // The first copy sends every byte into a copy that is not used yet:
            // - keeping holes costs most there: only when the volume has them
            //   (later passes send changes and always keep them);
            // - one rsync over TCP is bound by a core at its receiving end: large
            //   files go in two rsyncs at once;
            // - files are written in place, not as temporary files renamed after
            //   (10% of the time of 20,000 small files); one cut short is sent
            //   again, its size or time being wrong.
            env["FERRY_SPARSE"] = "detect"
            env["FERRY_STREAMS"] = .string(String(Self.streams))
            env["FERRY_RSYNC_FLAGS"] = "--inplace"
        }
        return env
    }

    private func pass(
        from source: Side, to target: Side, senders: [Sender], serving: Pod?, armed: Pod?, context: StepContext
    ) async throws -> VolumeComparison? {
        let timeouts = move.plan.timeouts
        let receiver: Pod
        if let serving {
            receiver = serving
        } else {
            context.waiting("the rsync receiver for \(move.claim) on \(target.node)")
            receiver = try await pods.start(
                pods.spec(role: "receiver", claim: target.claim, readOnly: false, hostname: target.hostname, script: HelperScripts.receiver),
                timeout: timeouts.podReady.duration)
        }
        guard receiver.phase != "Succeeded", receiver.phase != "Failed", let ip = receiver.json["status"]["podIP"].stringValue else {
            throw ended(receiver.name, await pods.outcome(of: receiver), on: target)
        }
        var comparison: VolumeComparison?
        for (index, sender) in senders.enumerated() {
            context.waiting(sender.waiting)
            let pods = self.pods
            let name: String
            let run: @Sendable () async throws -> HelperPods.Finished
            if index == 0, let armed, await word(to: armed, context: context) {
                name = armed.name
                run = { try await pods.finished(armed.name, startTimeout: timeouts.podReady.duration, timeout: timeouts.volumeCopy.duration) }
            } else {
                // A receiver that served a sender already listens: the sender does not ask.
                let env = environment(for: sender, receiver: ip, served: serving != nil || index > 0)
                let spec = pods.spec(
                    role: index == 0 ? "sender" : "sender-\(index + 1)", claim: source.claim, readOnly: true, hostname: source.hostname,
                    script: HelperScripts.sender, env: env)
                name = spec["metadata"]["name"].stringValue ?? ""
                run = { try await pods.run(spec, startTimeout: timeouts.podReady.duration, timeout: timeouts.volumeCopy.duration) }
            }
            let ended = try await runBeside(run, receiver: receiver.name, on: target)
            try await judge(ended, of: sender, pod: name, receiver: receiver.name, source: source, target: target, context: context)
            guard sender.compares else { continue }
            guard let compared = VolumeComparison(log: ended.log) else {
                throw StepFailure(
                    "the check of \(move.claim) on \(source.node) and \(target.node) ended without its result\(Self.tail(ended.log))",
                    fix: "`ferry resume` checks again; nothing was switched")
            }
            comparison = compared
        }
        return comparison
    }

    /// A sender runs while the receiver is watched: the first starts while the
    /// receiver's container does (both pod starts at once: 0.2 s of the lab's
    /// downtime) and waits for its daemon. A receiver that cannot start, or that ends
    /// while a sender works (its daemon failed, a tool missing from its image, killed),
    /// fails the pass at once with its exit status and log, instead of leaving the
    /// sender to wait for a daemon that is gone.
    private func runBeside(
        _ sender: @escaping @Sendable () async throws -> HelperPods.Finished, receiver: String, on target: Side
    ) async throws -> HelperPods.Finished {
        let timeouts = move.plan.timeouts
        let pods = self.pods
        return try await withThrowingTaskGroup(of: HelperPods.Finished?.self) { group in
            group.addTask { try await sender() }
            group.addTask {
                let started = try await pods.started(receiver, timeout: timeouts.podReady.duration)
                if started.phase == "Running" {
                    throw ended(receiver, try await pods.ended(receiver, timeout: timeouts.volumeCopy.duration), on: target)
                }
                throw ended(receiver, await pods.outcome(of: started), on: target)
            }
            while let result = try await group.next() {
                guard let ended = result else { continue }
                group.cancelAll()
                return ended
            }
            throw CancellationError()
        }
    }

    /// Gives a sender started ahead (`arm`) the word to start; false, saying why, when
    /// it does not take it (it ended: its image cannot listen; the API server refuses
    /// the pod proxy to this user; it did not answer in time), and then it is deleted
    /// and the pass starts a sender as usual.
    private func word(to armed: Pod, context: StepContext) async -> Bool {
        var refusal: String
        if armed.phase != "Running" {
            let outcome = await pods.outcome(of: armed)
            refusal = "it ended with exit status \(outcome.exitCode): \(Self.meaning(outcome.exitCode))"
            if let line = outcome.log.split(separator: "\n").last { refusal += ", \(line.prefix(Self.lineLength))" }
        } else {
            do {
                let answer = try await pods.word(to: armed, timeout: Self.wordTimeout)
                if answer.status == 200 { return true }
                refusal = "the API server's pod proxy answered \(answer.status)"
                if let line = answer.text.split(separator: "\n").first { refusal += ": \(line.prefix(Self.lineLength))" }
            } catch {
                refusal = "\(error)"
            }
        }
        context.notice("the sender started for \(move.claim) before the scale-down did not take ferry's word (\(refusal)): starting one now")
        let pods = self.pods
        await Task { try? await pods.removeSenders() }.value
        return false
    }

    /// How long the word may take to reach a sender that is waiting for it: the pod
    /// proxy's round trip, and the listener's restart after a stranger's connection.
    static let wordTimeout = Duration.seconds(3)

    /// A receiver that ended while a pass needed it: its exit status, reason and log.
    private func ended(_ receiver: String, _ outcome: HelperPods.Finished, on target: Side) -> StepFailure {
        let how = outcome.reason.map { " (\($0))" } ?? ""
        return StepFailure(
            "the rsync receiver for \(move.claim) on \(target.node) (pod \(move.namespace)/\(receiver)) ended with exit status "
                + "\(outcome.exitCode)\(how): \(Self.meaning(outcome.exitCode))\(Self.tail(outcome.log))",
            fix: fix(for: outcome.exitCode, otherwise: "fix what its log says, then `ferry resume` (it copies again from where the copy stopped)"))
    }

    /// A missing tool is the image's doing: the fix names the plan's image.
    private func fix(for code: Int, otherwise: String) -> String {
        guard code == HelperScripts.Exit.missingTool || code == 127 else { return otherwise }
        return "the helper pods run \(move.image), which lacks a tool ferry needs (sh, rsync 3.1.3 or later, find, stat, awk, "
            + "sort, sha256sum, du, df): set `image` of volume \(move.claim) in the plan (volumes[].image) to one that has them, "
            + "then `ferry resume`"
    }

    /// Throws for a sender's exit status, in words; warns for files that vanished
    /// from a live volume.
    private func judge(
        _ ended: HelperPods.Finished, of sender: Sender, pod: String, receiver: String, source: Side, target: Side, context: StepContext
    ) async throws {
        switch ended.exitCode {
        case 0:
            return
        case 24 where sender.live:
            context.warn("some files of \(move.claim) vanished while the workload ran; the pass after scale-down copies them")
        case HelperScripts.Exit.noRoom:
            throw StepFailure(
                "the volume for \(move.claim) on \(target.node) is too small\(Self.tail(ended.log))",
                fix: "free space on \(target.node)'s local-path storage (or give the claim a larger size), then `ferry resume`")
        case HelperScripts.Exit.reservedName:
            throw StepFailure(
                "\(move.claim) cannot be moved by ferry\(Self.tail(ended.log))",
                fix: "rename /\(HelperScripts.cacheDirectory) at the root of \(move.claim) (or set the volume's action to keep), then `ferry resume`")
        case HelperScripts.Exit.receiverUnreachable:
            let received = (try? await move.kube.logs(pod: receiver, namespace: move.namespace)) ?? ""
            throw StepFailure(
                "the rsync receiver for \(move.claim) on \(target.node) did not answer\(Self.tail(ended.log))\(received.isEmpty ? "" : "\n  the receiver logged\(Self.tail(received, lines: 3))")",
                fix: "kubectl -n \(move.namespace) describe pod \(receiver) says why; fix it and run `ferry resume`")
        case HelperScripts.Exit.missingTool, 127:
            throw StepFailure(
                "the sender for \(move.claim) on \(source.node) (pod \(move.namespace)/\(pod)) ended with exit status "
                    + "\(ended.exitCode): \(Self.meaning(ended.exitCode))\(Self.tail(ended.log))",
                fix: fix(for: ended.exitCode, otherwise: ""))
        case HelperScripts.Exit.sourceListing:
            throw StepFailure(
                "listing \(source.claim) on \(source.node) for verification failed\(Self.tail(ended.log))",
                fix: "`ferry resume` lists it again; nothing was switched")
        default:
            // The receiver's side of a broken connection or check says more than the sender's.
            let received = (try? await move.kube.logs(pod: receiver, namespace: move.namespace)) ?? ""
            let receiverSaid = received.isEmpty ? "" : "\n  the receiver logged\(Self.tail(received, lines: 3))"
            if ended.exitCode == HelperScripts.Exit.receiverCheck {
                throw StepFailure(
                    "the receiver for \(move.claim) on \(target.node) could not do its part of the check\(Self.tail(ended.log))\(receiverSaid)",
                    fix: "`ferry resume` checks again; nothing was switched")
            }
            throw StepFailure(
                "copying \(move.claim) from \(source.node) to \(target.node) failed (pod \(move.namespace)/\(pod)): rsync exited \(ended.exitCode)"
                    + " (\(Self.meaning(ended.exitCode)))\(Self.tail(ended.log))\(receiverSaid)",
                fix: ended.exitCode == 23
                    // Another try fails on the same files.
                    ? "rsync's lines above name what it could not send; fix that in \(source.claim), "
                        + "then `ferry resume`; the original volume was only read"
                    : "`ferry resume` copies again from where it stopped; the original volume was only read")
        }
    }

    /// An IPv6 pod IP needs brackets in a URL.
    static func host(_ ip: String) -> String { ip.contains(":") ? "[\(ip)]" : ip }

    /// The last lines of a helper's log, each cut to its start: rsync names the
    /// file it failed on, and a name can be kilobytes long.
    static func tail(_ log: String, lines: Int = 5) -> String {
        let last = log.split(separator: "\n").suffix(lines).map { line in
            line.count > lineLength ? line.prefix(lineLength) + "… (\(line.count) characters)" : String(line)
        }
        return last.isEmpty ? "" : ":\n    " + last.joined(separator: "\n    ")
    }

    static let lineLength = 200

    static func meaning(_ code: Int) -> String {
        switch code {
        case 0: "it was stopped (deleted, or its node went away)"
        case 1: "syntax or usage error"
        case 5: "error starting the client-server protocol"
        case 10: "error in socket I/O: the receiver could not be reached or went away"
        case 11: "error in file I/O"
        case 12: "error in the data stream: the connection broke"
        case 23: "partial transfer due to an error"
        case 24: "some source files vanished"
        case 30: "timeout in data send/receive"
        case 35: "timeout waiting for a daemon connection"
        case 127: "a command the helper image lacks"
        case 137: "killed"
        case HelperScripts.Exit.missingTool: "the helper image lacks a tool ferry needs"
        case HelperScripts.Exit.cannotWait: "its image's nc cannot wait for ferry's word"
        case -1: "the pod failed without an exit status"
        default: "see rsync(1), EXIT VALUES"
        }
    }
}
