import FerryJSON
import FerryKube
import Foundation

/// One rsync pass from a claim on one node to a claim on another, node to node over
/// the cluster network: a receiver pod runs `rsync --daemon` on its pod IP, a sender
/// pod pushes to it. The bytes never pass through the machine running ferry.
///
/// rsync is what makes the move resumable and the downtime small: a pass after an
/// interrupted one, or after the workload changed a few files, sends only what
/// differs (`--partial` keeps half-sent large files). Success is the sender's exit
/// status as the kubelet reports it, never a line of its output.
struct RsyncCopy: Sendable {
    static let port = 8730
    /// The sender's exit status when the target is too small; outside rsync's own codes.
    static let noRoomExit = 91

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

    /// Copies `from` to `to`. `room` (KiB the target can hold) makes the sender
    /// refuse before copying when the data is larger. `live` tolerates files that
    /// vanish during the pass (rsync's 24): the workload still runs.
    func copy(from source: Side, to target: Side, room: Int? = nil, live: Bool, checksum: Bool = false, context: StepContext) async throws {
        try await pods.removeAll()
        do {
            try await pass(from: source, to: target, room: room, live: live, checksum: checksum, context: context)
        } catch {
            try? await pods.removeAll()
            throw error
        }
        try await pods.removeAll()
    }

    private func pass(from source: Side, to target: Side, room: Int?, live: Bool, checksum: Bool, context: StepContext) async throws {
        let timeouts = move.plan.timeouts
        context.waiting("the rsync receiver for \(move.claim) on \(target.node)")
        let receiver = try await pods.start(
            pods.spec(role: "receiver", claim: target.claim, readOnly: false, hostname: target.hostname, script: Self.receiverScript),
            timeout: timeouts.podReady.duration)
        guard receiver.phase == "Running", let ip = receiver.json["status"]["podIP"].stringValue else {
            let log = (try? await move.kube.logs(pod: receiver.name, namespace: move.namespace)) ?? ""
            throw StepFailure(
                "the rsync receiver for \(move.claim) on \(target.node) ended before the copy (\(receiver.phase))\(Self.tail(log))",
                fix: "kubectl -n \(move.namespace) logs \(receiver.name) (before `ferry resume` removes it)")
        }
        var env: [String: JSON] = ["RECEIVER": .string(Self.host(ip))]
        if let room { env["FERRY_ROOM_KIB"] = .string(String(room)) }
        // After a verification found a difference rsync's size-and-time check misses
        // (a corrupted byte), compare contents.
        if checksum { env["FERRY_RSYNC_FLAGS"] = "--checksum" }
        context.waiting("rsync of \(move.claim) from \(source.node) to \(target.node)")
        let sender = pods.spec(
            role: "sender", claim: source.claim, readOnly: true, hostname: source.hostname, script: Self.senderScript, env: env)
        let ended = try await pods.run(sender, startTimeout: timeouts.podReady.duration, timeout: timeouts.volumeCopy.duration)
        switch ended.exitCode {
        case 0:
            return
        case 24 where live:
            context.warn("some files of \(move.claim) vanished while the workload ran; the pass after scale-down copies them")
        case Self.noRoomExit:
            throw StepFailure(
                "the volume for \(move.claim) on \(target.node) is too small\(Self.tail(ended.log))",
                fix: "free space on \(target.node)'s local-path storage (or give the claim a larger size), then `ferry resume`")
        default:
            // The receiver's side of a broken connection says more than the sender's.
            let received = (try? await move.kube.logs(pod: receiver.name, namespace: move.namespace)) ?? ""
            let receiverSaid = received.isEmpty ? "" : "\n  the receiver logged\(Self.tail(received, lines: 3))"
            throw StepFailure(
                "copying \(move.claim) from \(source.node) to \(target.node) failed: rsync exited \(ended.exitCode)"
                    + " (\(Self.meaning(ended.exitCode)))\(Self.tail(ended.log))\(receiverSaid)",
                fix: "`ferry resume` copies again from where it stopped; the original volume was only read")
        }
    }

    /// An IPv6 pod IP needs brackets in a URL.
    static func host(_ ip: String) -> String { ip.contains(":") ? "[\(ip)]" : ip }

    static func tail(_ log: String, lines: Int = 5) -> String {
        let last = log.split(separator: "\n").suffix(lines).joined(separator: "\n    ")
        return last.isEmpty ? "" : ":\n    \(last)"
    }

    static func meaning(_ code: Int) -> String {
        switch code {
        case 1: "syntax or usage error"
        case 5: "error starting the client-server protocol"
        case 10: "error in socket I/O: the receiver could not be reached or went away"
        case 11: "error in file I/O"
        case 12: "error in the data stream: the connection broke"
        case 23: "partial transfer due to an error"
        case 24: "some source files vanished"
        case 30: "timeout in data send/receive"
        case 35: "timeout waiting for a daemon connection"
        case 137: "killed"
        case -1: "the pod failed without an exit status"
        default: "see rsync(1), EXIT VALUES"
        }
    }

    /// The receiver writes its rsyncd.conf and serves the volume on its pod IP only
    /// (in the lab, pods share one loopback network, each with its own address).
    /// `uid`/`gid` are its own, so as root it keeps every file's owner.
    ///
    /// An rsync daemon takes 0.4 s to exit on SIGTERM, and a pass deletes its receiver
    /// once the sender has ended (nothing is in flight then): 0.4 s of downtime per
    /// volume for nothing. So SIGTERM ends it with SIGKILL at once. The one case that
    /// loses something is a receiver deleted mid-transfer (ferry killed, then resumed):
    /// the file in flight is sent again instead of kept as a partial.
    static let receiverScript = """
        set -e
        conf=$(mktemp)
        printf '%s\\n' 'use chroot = no' 'munge symlinks = no' 'numeric ids = yes' "uid = $(id -u)" "gid = $(id -g)" \
          "pid file = $conf.pid" '[vol]' "path = \(HelperPods.mountPath)" 'read only = no' > "$conf"
        rsync --daemon --no-detach --config="$conf" --address="$POD_IP" --port=\(port) --log-file=/dev/stdout &
        daemon=$!
        trap 'kill -KILL "$daemon"; exit 0' TERM
        wait "$daemon"
        """

    /// The sender checks the room first (du counts blocks really used, so sparse
    /// files count as what they hold), then pushes: archive mode with hard links,
    /// sparseness and numeric ids, deleting on the target what the source no longer has.
    static let senderScript = """
        set -e
        if [ -n "${FERRY_ROOM_KIB:-}" ]; then
          need=$(du -sk \(HelperPods.mountPath) | cut -f1)
          if [ "$need" -gt "$FERRY_ROOM_KIB" ]; then
            echo "the data needs ${need} KiB; the target volume has room for ${FERRY_ROOM_KIB} KiB" >&2
            exit \(noRoomExit)
          fi
        fi
        exec rsync -aHS --numeric-ids --delete --partial ${FERRY_RSYNC_FLAGS:-} \(HelperPods.mountPath)/ "rsync://$RECEIVER:\(port)/vol/"
        """
}
