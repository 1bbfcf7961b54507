#!/bin/sh
# sender.sh: the sending helper pod, on the source node with the original volume at
# the mount path (read-only). Pushes it to the receiver's rsync daemon and checks the
# copy with it. Its exit status is rsync's own, or one of HelperScripts.Exit's.
#
# Environment:
#   RECEIVER             the receiver pod's IP address
#   FERRY_RSYNC_SECRET   the pass's secret, which the receiver's daemon asks for
#   FERRY_STAGES         the stages to do, in order (below; RsyncCopy.Stage)
#   FERRY_RECEIVER_WAIT  seconds to wait for the receiver's daemon to listen (120)
#   FERRY_RECEIVER_SERVING  set when the receiver served an earlier sender: no wait
#   FERRY_SPARSE         `detect`: look for holes before copying (below)
#   FERRY_STREAMS        rsyncs at once for a first copy's large files (1)
#   FERRY_RSYNC_FLAGS    more flags for the copy's rsync (`-c` compares contents)
#   FERRY_WORD_PORT      set: wait for ferry's word on this port before anything (below)
#   POD_IP               the pod's own address (the word's listener binds it)
#
# A sender with FERRY_WORD_PORT is started before the workload stops, so that the
# final pass starts no pod in the downtime: it waits, listening on $POD_IP, for an
# HTTP request (from ferry, through the API server's pod proxy: ferry cannot reach
# the pod network) whose body's first line is the SHA-256, in hex, of the pass's
# secret with a purpose of its own; then it does its stages. Anyone else on the pod network is
# answered 403 and the sender keeps waiting: a pass started while the workload still
# writes would miss what it writes after. The listener is BusyBox `nc -l -e`, whose
# options differ by build (nc 1.10's `-s ADDR` in Alpine's, the address after the
# port in Debian's); an `nc` that cannot run a program per connection ends the sender
# with `exit_cannot_wait`, and the final pass starts a sender of its own instead.
#
# The stages:
# - `room`: refuses (no room) when the data (du counts blocks really used, so sparse
#   files count as what they hold) is larger than the target's free space plus
#   what an earlier pass put there;
# - `copy`: pushes in archive mode with hard links, sparseness and numeric ids,
#   deleting on the target what the source no longer has; its exit status is rsync's.
#   rsync keeps holes by writing in 1 KiB pieces, which costs a second per GiB
#   sent; with `FERRY_SPARSE=detect` (the first copy, which sends every byte) it
#   does so only when some file has a hole of a block or more. With
#   `FERRY_STREAMS=N` (the first copy too) the files over 1 MiB go first in N
#   rsyncs at once (an rsync over TCP is bound by one core where it receives;
#   `RsyncCopy.streams`), then one pass does the rest and the deletions, and
#   finds those files there;
# - `sums`, `sums-fresh`: lists both sides and prints each listing's line count
#   and digest and the first lines that differ (`ferry-manifest ...`,
#   `ferry-differs ...`). `sums` uses the checksum caches and keeps them for the
#   next pass; `sums-fresh` hashes every file and removes them from the copy
#   (after a difference, the caches are not trusted either);
# - `changes`: the final pass (`RsyncCopy.Stage.changes`): lists both sides at once
#   with the caches (the receiver's `sums-now`), copies the paths whose lines
#   differ, lists those again (`sums-of`), compares as `sums` does, and removes
#   the caches (the copy must end up holding exactly the data). When a list of
#   paths cannot say what differs, it does `copy` and lists the target again
#   with the caches (`sums-last`).
#
# rsync's protocol is a ping-pong of small writes, which Nagle's algorithm holds
# back until the peer's delayed ACK (40 ms on Linux): a connection that sends
# nothing took 0.1 s and a pass over 2,000 unchanged files 0.15 s, against 0.02 s
# with `TCP_NODELAY` on both ends. The source's cache is fetched and the source
# listed while the copy or the target's listing runs (the source is only read).

# ferry's constants: HelperScripts.swift puts their values in when it builds the script.
mount=@MOUNT_PATH@
port=@RSYNC_PORT@
cache_dir=@CACHE_DIRECTORY@
summary_prefix='@SUMMARY_PREFIX@'
differs_prefix='@DIFFERS_PREFIX@'
exit_no_room=@EXIT_NO_ROOM@
exit_receiver_check=@EXIT_RECEIVER_CHECK@
exit_source_listing=@EXIT_SOURCE_LISTING@
exit_reserved_name=@EXIT_RESERVED_NAME@
exit_receiver_unreachable=@EXIT_RECEIVER_UNREACHABLE@
exit_missing_tool=@EXIT_MISSING_TOOL@
exit_cannot_wait=@EXIT_CANNOT_WAIT@

# What this script and the manifest it runs need (the manifest checks again).
missing=""
for tool in awk cat cp cut date du find grep head mkdir mkfifo mktemp rm rsync sed sh sha256sum sleep sort stat touch tr wc xargs; do
  command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then echo "ferry: the helper image lacks:$missing" >&2; exit "$exit_missing_tool"; fi

set -e
# manifest.sh, written to the pod's own /tmp.
w=$(mktemp -d)
cat > "$w/manifest.sh" <<'FERRY_MANIFEST'
@MANIFEST_SH@
FERRY_MANIFEST
if [ -n "${FERRY_WORD_PORT:-}" ]; then
  # Each connection runs word.sh: the request line and headers, then the body's line.
  token=$(printf 'ferry-final-pass-word:%s' "${FERRY_RSYNC_SECRET:-}" | sha256sum | cut -c1-64)
  cat > "$w/word.sh" <<FERRY_WORD
#!/bin/sh
cr=\$(printf '\r')
while IFS= read -r line; do case \$line in ''|"\$cr") break ;; esac; done
IFS= read -r word
if [ "\${word%"\$cr"}" = "$token" ]; then
  : > "$w/go"
  printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\ngo\n'
else
  printf 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nforbidden\n'
fi
FERRY_WORD
  chmod 700 "$w/word.sh"
  if ! command -v nc > /dev/null 2>&1 || ! nc --help 2>&1 | grep -q -- '-e PROG'; then
    echo "ferry: the helper image's nc cannot run a program per connection (nc -l -e): the final pass starts its own sender" >&2
    exit "$exit_cannot_wait"
  fi
  nc110=""
  if nc --help 2>&1 | grep -q -- '-s ADDR'; then nc110=yes; fi
  echo "ferry: waiting for the word on $POD_IP:$FERRY_WORD_PORT"
  # A shell runs a trap only once its foreground command ends: nc waits in the
  # background, so that a sender deleted while it waits (the pass started its own)
  # ends at once, not after the grace period.
  listener=""
  trap 'if [ -n "$listener" ]; then kill "$listener" 2> /dev/null; fi; exit 143' TERM
  while [ ! -e "$w/go" ]; do
    code=0
    if [ -n "$nc110" ]; then
      nc -l -s "$POD_IP" -p "$FERRY_WORD_PORT" -e "$w/word.sh" < /dev/null &
    else
      nc -l -p "$FERRY_WORD_PORT" "$POD_IP" -e "$w/word.sh" < /dev/null &
    fi
    listener=$!
    wait "$listener" || code=$?
    listener=""
    if [ "$code" != 0 ] && [ ! -e "$w/go" ]; then
      echo "ferry: nc could not listen on $POD_IP:$FERRY_WORD_PORT (exit status $code): the final pass starts its own sender" >&2
      exit "$exit_cannot_wait"
    fi
  done
  trap - TERM
  echo "ferry: the word came"
fi
r="rsync://ferry@$RECEIVER:$port"
# rsync reads the daemon's password from the environment, never from the command line.
RSYNC_PASSWORD=${FERRY_RSYNC_SECRET:-}
export RSYNC_PASSWORD
# Times compared to the nanosecond: by default rsync sees times in the same second
# as equal, and leaves a directory made in the second its original was changed
# with the time of its making.
rsync() { command rsync --sockopts=TCP_NODELAY --modify-window=-1 "$@"; }
if [ -e "$mount/$cache_dir" ]; then
  echo "the volume holds /$cache_dir, the name ferry keeps its checksums under during a move" >&2
  exit "$exit_reserved_name"
fi
# The sender starts beside the receiver, which has its address before its daemon
# listens: wait for the daemon while the connection is refused, until a deadline
# (a count of tries would stretch with each try's own time). Any other failure is no
# reason to wait: rsync's own message and status, at once. A receiver that served
# an earlier pass (FERRY_RECEIVER_SERVING) listens already: no connection to ask.
FERRY_RECEIVER_WAIT=${FERRY_RECEIVER_WAIT:-120}
deadline=$(($(date +%s) + FERRY_RECEIVER_WAIT))
while [ -z "${FERRY_RECEIVER_SERVING:-}" ]; do
  code=0
  rsync -q "$r/" > /dev/null 2> "$w/probe" || code=$?
  if [ "$code" = 0 ]; then break; fi
  # rsync 3.2: "rsync: [Receiver] failed to connect to HOST (IP): Connection refused
  # (111)", then "rsync error: error in socket IO (code 10) ...".
  if [ "$code" != 10 ] || ! grep -q 'Connection refused' "$w/probe"; then
    cat "$w/probe" >&2
    exit "$code"
  fi
  # Past the deadline's second: never less than FERRY_RECEIVER_WAIT seconds.
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "the receiver at $RECEIVER:$port did not answer within ${FERRY_RECEIVER_WAIT}s" >&2
    exit "$exit_receiver_unreachable"
  fi
  # (A fractional sleep is a build option of BusyBox's sleep: without it, a second.)
  sleep 0.05 2> /dev/null || sleep 1
done
# The lines one listing has that the other lacks, sorted: what `comm -3` prints less
# its tabs (comm is a build option of BusyBox, and Debian's leaves it out).
only_one() {
  awk 'FILENAME == ARGV[1] { n[$0]++; next } { n[$0]-- }
    END { for (l in n) { for (; n[l] > 0; n[l]--) print l; for (; n[l] < 0; n[l]++) print l } }' "$1" "$2" | LC_ALL=C sort
}
# A first copy's look at its files, made while the room is checked: whether
# one has a hole of a block or more, and which are over 1 MiB with one link.
# (The workload still runs: a file that goes meanwhile is no error here.)
looked=""
if [ "${FERRY_SPARSE:-}" = detect ] || [ "${FERRY_STREAMS:-1}" -gt 1 ]; then
  (
    cd "$mount"
    find . -type f -exec stat -c '%b %B %s %h %n' {} + > "$w/files" 2> /dev/null || :
    if awk '$1 * $2 + 4096 <= $3 { found = 1; exit } END { exit !found }' "$w/files"
    then echo -S > "$w/sparse"; else : > "$w/sparse"; fi
    # A name with a newline in it cannot go through a list of names: then none is listed.
    nl=$(printf '\nx'); nl=${nl%x}
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
      rsync -q "$r/vol/$cache_dir/source" "$w/cached" 2>/dev/null || : > "$w/cached"
    fi
    echo >&3
    keep=""
    if [ "$sums" = sums ]; then mkdir "$w/keep"; keep="$w/keep/source"; fi
    sh "$w/manifest.sh" "$mount" "$w/cached" "$keep" '' "$w/source-misses" > "$w/source"
  ) &
  lister=$!
fi
# One rsync pass of everything, with deletions: after the streams, the rest;
# once it is all there, only what changed since.
copy_all() {
  sparse=-S
  if [ -n "$looked" ]; then wait "$looked"; fi
  if [ "${FERRY_SPARSE:-}" = detect ]; then sparse=$(cat "$w/sparse"); fi
  flags="-aH $sparse --numeric-ids --partial --exclude=/$cache_dir ${FERRY_RSYNC_FLAGS:-}"
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
        tr '\n' '\0' < "$list" > "$list.0"
        # shellcheck disable=SC2086 # the flags are words, split on purpose
        rsync $flags --from0 --files-from="$list.0" "$mount"/ "$r/vol/" &
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
  # shellcheck disable=SC2086 # the flags are words, split on purpose
  rsync $flags --delete "$mount"/ "$r/vol/" || exit $?
  if [ -n "$vanished" ]; then exit "$vanished"; fi
}
# Both listings' line counts and digests, and the first lines that differ: none
# when the digests are equal (looking for them took 1.3 s for 100,000 files).
compare() {
  sum_source=$(sha256sum < "$w/source" | cut -d' ' -f1)
  sum_target=$(sha256sum < "$w/target" | cut -d' ' -f1)
  echo "${summary_prefix}source $(wc -l < "$w/source") $sum_source"
  echo "${summary_prefix}target $(wc -l < "$w/target") $sum_target"
  if [ "$sum_source" != "$sum_target" ]; then
    only_one "$w/source" "$w/target" | head -n 10 | tr -d '\t' | sed "s/^/$differs_prefix/"
  fi
}
# Removing the caches from the copy's root directory changed its time: the
# original's again.
root_time() {
  printf '.\0' > "$w/root"
  rsync -a --numeric-ids --from0 --files-from="$w/root" "$mount"/ "$r/vol/" || exit $?
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
    rsync -q "$r/room/room" "$w/room" || exit "$exit_receiver_check"
    room=$(awk '{ s += $1 } END { print s }' "$w/room")
    need=$(du -sk "$mount" | cut -f1)
    if [ "$need" -gt "$room" ]; then
      echo "the data needs ${need} KiB; the target volume has room for ${room} KiB" >&2
      exit "$exit_no_room"
    fi
    ;;
  copy)
    copy_all
    ;;
  sums*)
    read -r _ <&3
    rsync -q "$r/$stage/manifest" "$w/target" || exit "$exit_receiver_check"
    wait "$lister" || exit "$exit_source_listing"
    if [ -d "$w/keep" ]; then rsync -rq "$w/keep/" "$r/vol/$cache_dir/" || exit "$exit_receiver_check"; else root_time; fi
    compare
    ;;
  changes)
    # Both sides listed at once, each on its node, with the last listing's
    # checksums; rsync is given only the paths whose lines differ, then those
    # are listed again on the target and put in place of their old lines.
    read -r _ <&3
    mkdir "$w/now"
    rsync -rq "$r/sums-now/" "$w/now/" || exit "$exit_receiver_check"
    wait "$lister" || exit "$exit_source_listing"
    only_one "$w/source" "$w/now/manifest" > "$w/diff"
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
        compare | grep -v "^$differs_prefix"
        head -n 10 "$w/changed" | sed "s/^/$differs_prefix/"
        continue
      fi
    fi
    # The paths tell the receiver that the copy is being written (see above).
    # With their directories, whose times the entries coming and going change.
    awk '!seen[$0]++ { print } { p = $0; while (sub(/\/[^\/]*$/, "", p)) if (!seen[p]++) print p }' "$w/paths" > "$w/listed"
    # With them, in the same connection, the root's time as an empty file's: the
    # receiver gives it back to the root once the caches are gone from under it.
    mkdir "$w/up"
    cp "$w/listed" "$w/up/paths"
    : > "$w/up/stamp"
    touch -m -r "$mount" "$w/up/stamp"
    rsync -rqt "$w/up/" "$r/vol/$cache_dir/" || exit "$exit_receiver_check"
    # Symlinks (their lines quote the path), and lines of no known shape (the rest
    # of a name with a newline in it) go by a whole pass.
    if awk '!/^[fdoh] / { odd = 1; exit } END { exit !odd }' "$w/diff"; then
      copy_all
      rsync -q "$r/sums-last/manifest" "$w/target" || exit "$exit_receiver_check"
      root_time
      compare
      continue
    fi
    if [ -s "$w/listed" ]; then
      tr '\n' '\0' < "$w/listed" > "$w/send"
      code=0
      # -I: a difference in contents behind the same size and time is sent too.
      # A path gone from the source is deleted on the target, and reported
      # as vanished (24): the listings say whether the result is right.
      rsync -aHS -I --numeric-ids --partial --force --delete-missing-args --from0 --files-from="$w/send" \
        "$mount"/ "$r/vol/" || code=$?
      case "$code" in 0|24) ;; *) exit "$code" ;; esac
    fi
    rsync -q "$r/sums-of/manifest" "$w/relisted" || exit "$exit_receiver_check"
    # Both sorted already: merged, not sorted again (BusyBox's sort takes -m and
    # sorts them: the same lines).
    awk "$pathof"' FILENAME == ARGV[1] { listed[$0] = 1; next } !(pathof($0) in listed)' "$w/listed" "$w/now/manifest" > "$w/kept"
    LC_ALL=C sort -m "$w/kept" "$w/relisted" > "$w/target"
    compare
    ;;
  esac
done
