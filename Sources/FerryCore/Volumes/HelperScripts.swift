/// The shell the helper pods run. Written for the helper image's BusyBox as much as
/// for GNU tools: POSIX `sh`, `find`, `stat -c`, `awk`, `sort`, `comm`, `xargs -0`,
/// `sha256sum`, `df -P`, `du -sk`, and `rsync`.
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
        /// The image lacks a tool the script needs (it says which).
        static let missingTool = 96
    }

    /// `sh manifest.sh ROOT CACHE_IN CACHE_OUT [PATHS [MISSES]]` prints what ROOT holds,
    /// one sorted line per entry: type, mode, owner, size, link count and mtime of
    /// files, mtime of directories (not the root's, which the caches below it change),
    /// link targets, devices, and a SHA-256 of every regular file's contents. Directory
    /// sizes are left out: they depend on the filesystem, not the data.
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
    static let manifest = """
        set -e
        cd "$1"
        cin=$2
        cout=$3
        paths=$4
        misses=$5
        t=$(mktemp -d)
        now=$(date +%s)
        if [ -n "$cout" ]; then
          # Files the copy wrote in the second the listing starts would not be kept
          # (see above) and be hashed again in the downtime: start on the next second.
          while [ "$(date +%s)" = "$now" ]; do sleep 0.05 2>/dev/null || sleep 1; done
          now=$(date +%s)
        fi
        # One walk: symlinks with their targets, everything else with all the fields any
        # type needs. Its stat(2) calls are most of a final pass's listing: about 5 µs
        # each on a virtual machine, one per entry.
        # (stat -c prints a tab as it is, hence real tabs in this format.)
        format='%F\t%a\t%u:%g\t%s\t%h\t%Y\t%f\t%t:%T\t%i:%s:%Y:%Z\t%Z\t%n'
        if [ -n "$paths" ]; then
          # An entry named but gone (deleted by the pass) is no line, as in a walk.
          tr '\\n' '\\0' < "$paths" | xargs -0 -r stat -c "$format" > "$t/all" 2> /dev/null || :
        else
          find . -path ./\(cacheDirectory) -prune -o -type l -exec stat -c 'l %u:%g %N' {} + \\
            -o -exec stat -c "$format" {} + > "$t/all"
        fi
        : > "$t/m"
        : > "$t/keys"
        : > "$t/hit"
        : > "$t/miss"
        if [ -z "$cin" ] || [ ! -s "$cin" ]; then cin=/dev/null; fi
        # One pass splits the walk into the listing's lines and, for regular files, a
        # cached hash or a name to hash. A hash is its inode's, whatever the name.
        awk -F '\\t' -v m="$t/m" -v keys="$t/keys" -v hit="$t/hit" -v miss="$t/miss" '
          FILENAME == ARGV[1] { cached[$1] = $2; next }
          /^l / { print > m; next }
          { path = $11; for (i = 12; i <= NF; i++) path = path "\\t" $i }
          $1 ~ /^regular/ {
            print "f " $2 " " $3 " " $4 " " $5 " " $6 " " path > m
            print $9 "\\t" $10 "\\t" path > keys
            if ($9 in cached) print cached[$9] "  " path > hit; else print path > miss
            next
          }
          $1 == "directory" { print "d " $2 " " $3 " " (path == "." ? "-" : $6) " " path > m; next }
          { print "o " $7 " " $3 " " $8 " " path > m }
        ' "$cin" "$t/all"
        if [ -n "$misses" ]; then cp "$t/miss" "$misses"; fi
        if ! tr '\\n' '\\0' < "$t/miss" | xargs -0 -r sha256sum > "$t/hashed" 2> /dev/null; then
          # A name with a newline in it cannot go through a list of names: hash every
          # file as find names them, and keep no cache.
          : > "$t/hit"
          if [ -n "$cout" ]; then : > "$cout"; fi
          cout=""
          find . -path ./\(cacheDirectory) -prune -o -type f -exec sha256sum {} + > "$t/hashed"
        fi
        cat "$t/hit" "$t/hashed" > "$t/hashes"
        sed 's/^/h /' "$t/hashes" >> "$t/m"
        if [ -n "$cout" ]; then
          awk -F '\\t' -v now="$now" '
            FILENAME == ARGV[1] { path = $3; for (i = 4; i <= NF; i++) path = path "\\t" $i; if ($2 < now) key[path] = $1; next }
            { path = substr($0, 67); if (path in key) print key[path] "\\t" substr($0, 1, 64) "\\t" path }
          ' "$t/keys" "$t/hashes" > "$cout"
        fi
        LC_ALL=C sort -o "$t/m" "$t/m"
        cat "$t/m"
        rm -rf "$t"
        """

    /// Writes the manifest script to `$w/manifest.sh` in the pod's own /tmp.
    private static let writeManifest = """
        w=$(mktemp -d)
        cat > "$w/manifest.sh" <<'FERRY_MANIFEST'
        \(manifest)
        FERRY_MANIFEST
        """

    /// The receiver serves the volume on its pod IP only (in the lab, pods share one
    /// loopback network, each with its own address); `uid`/`gid` are its own, so as
    /// root it keeps every file's owner.
    ///
    /// An rsync daemon takes 0.4 s to exit on SIGTERM, and a pass deletes its receiver
    /// once the sender has ended (nothing is in flight then): 0.4 s of downtime per
    /// volume for nothing. So SIGTERM ends it with SIGKILL at once. The one case that
    /// loses something is a receiver deleted mid-transfer (ferry killed, then resumed):
    /// the file in flight is sent again instead of kept as a partial.
    static let receiver = """
        set -e
        \(writeManifest)
        mkdir "$w/out"
        c=\(HelperPods.mountPath)/\(cacheDirectory)
        printf '%s\\n' 'socket options = TCP_NODELAY' 'use chroot = no' 'reverse lookup = no' 'munge symlinks = no' 'numeric ids = yes' "uid = $(id -u)" "gid = $(id -g)" \\
          "pid file = $w/pid" \\
          '[vol]' "path = \(HelperPods.mountPath)" 'read only = no' \\
          '[room]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = { df -Pk \(HelperPods.mountPath) | tail -n 1 | awk '{print \\$4}'; du -sk \(HelperPods.mountPath) | cut -f1; } > $w/out/room" \\
          '[sums]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = mkdir -p $c && sh $w/manifest.sh \(HelperPods.mountPath) $c/target $c/target.new > $w/out/manifest && mv $c/target.new $c/target" \\
          '[sums-last]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = sh $w/manifest.sh \(HelperPods.mountPath) $c/target '' > $w/out/manifest && rm -rf $c" \\
          '[sums-fresh]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = sh $w/manifest.sh \(HelperPods.mountPath) '' '' > $w/out/manifest && rm -rf $c" \\
          '[sums-now]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = mkdir -p $c && if [ -e $c/paths ]; then echo written; else echo untouched; fi > $w/out/copy && sh $w/manifest.sh \(HelperPods.mountPath) $c/target '' '' $w/out/misses > $w/out/manifest" \\
          '[sums-of]' "path = $w/out" 'read only = yes' \\
          "pre-xfer exec = sh $w/manifest.sh \(HelperPods.mountPath) '' '' $c/paths > $w/out/manifest && rm -rf $c" \\
          > "$w/rsyncd.conf"
        rsync --daemon --no-detach --config="$w/rsyncd.conf" --address="$POD_IP" --port=\(RsyncCopy.port) --log-file=/dev/stdout &
        daemon=$!
        trap 'kill -KILL "$daemon"; exit 0' TERM
        wait "$daemon"
        """

    /// The sender does the stages in `FERRY_STAGES`, in order:
    /// - `room`: refuses (91) when the data (du counts blocks really used, so sparse
    ///   files count as what they hold) is larger than the target's free space plus
    ///   what an earlier pass put there;
    /// - `copy`: pushes in archive mode with hard links, sparseness and numeric ids,
    ///   deleting on the target what the source no longer has; its exit status is rsync's.
    ///   rsync keeps holes by writing in 1 KiB pieces, which costs a second per GiB
    ///   sent; with `FERRY_SPARSE=detect` (the first copy, which sends every byte) it
    ///   does so only when some file has a hole of a block or more. With
    ///   `FERRY_STREAMS=N` (the first copy too) the files over 1 MiB go first in N
    ///   rsyncs at once (an rsync over TCP is bound by one core where it receives;
    ///   `RsyncCopy.streams`), then one pass does the rest and the deletions, and
    ///   finds those files there;
    /// - `sums`, `sums-fresh`: lists both sides and prints each listing's line count
    ///   and digest and the first lines that differ (`ferry-manifest ...`,
    ///   `ferry-differs ...`). `sums` uses the checksum caches and keeps them for the
    ///   next pass; `sums-fresh` hashes every file and removes them from the copy
    ///   (after a difference, the caches are not trusted either);
    /// - `changes`: the final pass (`RsyncCopy.Stage.changes`): lists both sides at once
    ///   with the caches (the receiver's `sums-now`), copies the paths whose lines
    ///   differ, lists those again (`sums-of`), compares as `sums` does, and removes
    ///   the caches (the copy must end up holding exactly the data). When a list of
    ///   paths cannot say what differs, it does `copy` and lists the target again
    ///   with the caches (`sums-last`).
    ///
    /// rsync's protocol is a ping-pong of small writes, which Nagle's algorithm holds
    /// back until the peer's delayed ACK (40 ms on Linux): a connection that sends
    /// nothing took 0.1 s and a pass over 2,000 unchanged files 0.15 s, against 0.02 s
    /// with `TCP_NODELAY` on both ends. The source's cache is fetched and the source
    /// listed while the copy or the target's listing runs (the source is only read).
    static let sender = """
        set -e
        \(writeManifest)
        r="rsync://$RECEIVER:\(RsyncCopy.port)"
        # Times compared to the nanosecond: by default rsync sees times in the same second
        # as equal, and leaves a directory made in the second its original was changed
        # with the time of its making.
        rsync() { command rsync --sockopts=TCP_NODELAY --modify-window=-1 "$@"; }
        if [ -e \(HelperPods.mountPath)/\(cacheDirectory) ]; then
          echo "the volume holds /\(cacheDirectory), the name ferry keeps its checksums under during a move" >&2
          exit \(Exit.reservedName)
        fi
        # The sender starts beside the receiver, which has its address before its
        # daemon listens: wait for the daemon.
        tries=0
        FERRY_RECEIVER_WAIT=${FERRY_RECEIVER_WAIT:-120}
        until rsync -q "$r/" > /dev/null 2>&1; do
          tries=$((tries + 1))
          if [ "$tries" -gt "$((FERRY_RECEIVER_WAIT * 20))" ]; then
            echo "the receiver at $RECEIVER:\(RsyncCopy.port) did not answer within ${FERRY_RECEIVER_WAIT}s" >&2
            exit \(Exit.receiverUnreachable)
          fi
          sleep 0.05
        done
        # A first copy's look at its files, made while the room is checked: whether
        # one has a hole of a block or more, and which are over 1 MiB with one link.
        # (The workload still runs: a file that goes meanwhile is no error here.)
        looked=""
        if [ "${FERRY_SPARSE:-}" = detect ] || [ "${FERRY_STREAMS:-1}" -gt 1 ]; then
          (
            cd \(HelperPods.mountPath)
            find . -type f -exec stat -c '%b %B %s %h %n' {} + > "$w/files" 2> /dev/null || :
            if awk '$1 * $2 + 4096 <= $3 { found = 1; exit } END { exit !found }' "$w/files"
            then echo -S > "$w/sparse"; else : > "$w/sparse"; fi
            # A name with a newline in it cannot go through a list of names: then none is listed.
            nl=$(printf '\\nx'); nl=${nl%x}
            if [ -z "$(find . -type f -name "*$nl*" 2> /dev/null | head -n 1)" ]; then
              awk '$3 > 1048576 && $4 == 1 { print $3 " " substr($0, length($1 " " $2 " " $3 " " $4) + 4) }' "$w/files" > "$w/large"
            else : > "$w/large"; fi
          ) &
          looked=$!
        fi
        sums=""
        for stage in $FERRY_STAGES; do case "$stage" in sums*|changes) sums=$stage ;; esac; done
        if [ -n "$sums" ]; then
          # The fetch of the source's cache must be over before the receiver may drop it:
          # the lister says so on a FIFO. This shell holds it open for reading and
          # writing, so the lister's word waits in the pipe instead of for a reader
          # (which would hold the source's listing back until the copy is over).
          mkfifo "$w/fetched"
          exec 3<> "$w/fetched"
          : > "$w/cached"
          (
            if [ "$sums" != sums-fresh ]; then
              rsync -q "$r/vol/\(cacheDirectory)/source" "$w/cached" 2>/dev/null || : > "$w/cached"
            fi
            echo >&3
            keep=""
            if [ "$sums" = sums ]; then mkdir "$w/keep"; keep="$w/keep/source"; fi
            sh "$w/manifest.sh" \(HelperPods.mountPath) "$w/cached" "$keep" '' "$w/source-misses" > "$w/source"
          ) &
          lister=$!
        fi
        # One rsync pass of everything, with deletions: after the streams, the rest;
        # once it is all there, only what changed since.
        copy_all() {
          sparse=-S
          if [ -n "$looked" ]; then wait "$looked"; fi
          if [ "${FERRY_SPARSE:-}" = detect ]; then sparse=$(cat "$w/sparse"); fi
          flags="-aH $sparse --numeric-ids --partial --exclude=/\(cacheDirectory) ${FERRY_RSYNC_FLAGS:-}"
          vanished=""
          if [ "${FERRY_STREAMS:-1}" -gt 1 ]; then
            # Files of more than 1 MiB with one link each go first, in FERRY_STREAMS
            # rsyncs at once, dealt largest first to the least loaded.
            if [ -s "$w/large" ]; then
              sort -rn "$w/large" | awk -v n="$FERRY_STREAMS" -v d="$w/stream" '
                { name = substr($0, length($1) + 2); best = 0
                  for (k = 1; k < n; k++) if (load[k] < load[best]) best = k
                  load[best] += $1; print name > (d best) }'
              streams=""
              for list in "$w"/stream*; do
                [ -f "$list" ] || continue
                tr '\\n' '\\0' < "$list" > "$list.0"
                rsync $flags --from0 --files-from="$list.0" \(HelperPods.mountPath)/ "$r/vol/" &
                streams="$streams $!"
              done
              failed=""
              for stream in $streams; do
                code=0; wait "$stream" || code=$?
                case "$code" in 0) ;; 24) vanished=24 ;; *) failed=${failed:-$code} ;; esac
              done
              if [ -n "$failed" ]; then exit "$failed"; fi
            fi
          fi
          rsync $flags --delete \(HelperPods.mountPath)/ "$r/vol/" || exit $?
          if [ -n "$vanished" ]; then exit "$vanished"; fi
        }
        # Both listings' line counts and digests, and the first lines that differ.
        compare() {
          for side in source target; do
            echo "\(VolumeComparison.summaryPrefix)$side $(wc -l < "$w/$side") $(sha256sum < "$w/$side" | cut -d' ' -f1)"
          done
          LC_ALL=C comm -3 "$w/source" "$w/target" | head -n 10 | tr -d '\\t' | sed 's/^/\(VolumeComparison.differsPrefix)/'
        }
        # Removing the caches from the copy's root directory changed its time: the
        # original's again.
        root_time() {
          printf '.\\0' > "$w/root"
          rsync -a --numeric-ids --from0 --files-from="$w/root" \(HelperPods.mountPath)/ "$r/vol/" || exit $?
        }
        # The path of a listing's line: what follows the fields of its type.
        pathof='function pathof(line) {
          if (line ~ /^f /) sub(/^f [^ ]* [^ ]* [^ ]* [^ ]* [^ ]* /, "", line)
          else if (line ~ /^d /) sub(/^d [^ ]* [^ ]* [^ ]* /, "", line)
          else if (line ~ /^h /) sub(/^h [^ ]*  /, "", line)
          else sub(/^o [^ ]* [^ ]* [^ ]* /, "", line)
          return line }'
        for stage in $FERRY_STAGES; do
          case "$stage" in
          room)
            rsync -q "$r/room/room" "$w/room" || exit \(Exit.receiverCheck)
            room=$(awk '{ s += $1 } END { print s }' "$w/room")
            need=$(du -sk \(HelperPods.mountPath) | cut -f1)
            if [ "$need" -gt "$room" ]; then
              echo "the data needs ${need} KiB; the target volume has room for ${room} KiB" >&2
              exit \(Exit.noRoom)
            fi
            ;;
          copy)
            copy_all
            ;;
          sums*)
            read -r _ <&3
            rsync -q "$r/$stage/manifest" "$w/target" || exit \(Exit.receiverCheck)
            wait "$lister" || exit \(Exit.sourceListing)
            if [ -d "$w/keep" ]; then rsync -rq "$w/keep/" "$r/vol/\(cacheDirectory)/" || exit \(Exit.receiverCheck); else root_time; fi
            compare
            ;;
          changes)
            # Both sides listed at once, each on its node, with the last listing's
            # checksums; rsync is given only the paths whose lines differ, then those
            # are listed again on the target and put in place of their old lines.
            read -r _ <&3
            mkdir "$w/now"
            rsync -rq "$r/sums-now/" "$w/now/" || exit \(Exit.receiverCheck)
            wait "$lister" || exit \(Exit.sourceListing)
            LC_ALL=C comm -3 "$w/source" "$w/now/manifest" | awk '{ sub(/^\\t/, ""); print }' > "$w/diff"
            awk "$pathof"' !seen[pathof($0)]++ { print pathof($0) }' "$w/diff" > "$w/paths"
            # A copy no pass has written since the last listing, a file changed on it
            # but not on the source: something else wrote the copy. Reported, not copied over.
            if [ "$(cat "$w/now/copy")" = untouched ]; then
              awk "$pathof"'
                FILENAME == ARGV[1] { source[$0] = 1; next }
                FILENAME == ARGV[2] { target[$0] = 1; next }
                { p = pathof($0) } (p in target) && !(p in source)
              ' "$w/source-misses" "$w/now/misses" "$w/diff" > "$w/changed"
              if [ -s "$w/changed" ]; then
                cp "$w/now/manifest" "$w/target"
                compare | grep -v '^\(VolumeComparison.differsPrefix)'
                head -n 10 "$w/changed" | sed 's/^/\(VolumeComparison.differsPrefix)/'
                continue
              fi
            fi
            # The paths tell the receiver that the copy is being written (see above).
            # With their directories, whose times the entries coming and going change.
            awk '!seen[$0]++ { print } { p = $0; while (sub(/\\/[^\\/]*$/, "", p)) if (!seen[p]++) print p }' "$w/paths" > "$w/listed"
            rsync -q "$w/listed" "$r/vol/\(cacheDirectory)/paths" || exit \(Exit.receiverCheck)
            # Symlinks (their lines quote the path), and lines of no known shape (a name
            # with a newline, a hash line that escapes its name) go by a whole pass.
            if awk '!/^[fdoh] / || /^h \\\\/ { odd = 1; exit } END { exit !odd }' "$w/diff"; then
              copy_all
              rsync -q "$r/sums-last/manifest" "$w/target" || exit \(Exit.receiverCheck)
              root_time
              compare
              continue
            fi
            if [ -s "$w/listed" ]; then
              tr '\\n' '\\0' < "$w/listed" > "$w/send"
              code=0
              # -I: a difference in contents behind the same size and time is sent too.
              # A path gone from the source is deleted on the target, and reported
              # as vanished (24): the listings say whether the result is right.
              rsync -aHS -I --numeric-ids --partial --force --delete-missing-args --from0 --files-from="$w/send" \\
                \(HelperPods.mountPath)/ "$r/vol/" || code=$?
              case "$code" in 0|24) ;; *) exit "$code" ;; esac
            fi
            rsync -q "$r/sums-of/manifest" "$w/relisted" || exit \(Exit.receiverCheck)
            # Both sorted already: merged, not sorted again.
            awk "$pathof"' FILENAME == ARGV[1] { listed[$0] = 1; next } !(pathof($0) in listed)' "$w/listed" "$w/now/manifest" > "$w/kept"
            LC_ALL=C sort -m "$w/kept" "$w/relisted" > "$w/target"
            root_time
            compare
            ;;
          esac
        done
        """
}
