#!/bin/sh
# receiver.sh: the receiving helper pod, on the target node with the copy's volume at
# the mount path. Serves the volume with an rsync daemon on $POD_IP (the pod's
# address, from the downward API) until SIGTERM, and, as daemon modules whose
# `pre-xfer exec` runs when a sender connects, the target's half of the sender's
# checks: `room` (free and used KiB) and `sums`, `sums-last`, `sums-fresh`,
# `sums-now`, `sums-of` (the target's manifest, from manifest.sh; sender.sh says
# which stage fetches which). `sums-of` ends the final pass: it removes the caches
# and gives the root back the time of the `stamp` the sender put beside them.
#
# The receiver serves the volume on its pod IP only (in the lab, pods share one
# loopback network, each with its own address); `uid`/`gid` are its own, so as
# root it keeps every file's owner.
#
# Only this pass's sender may connect: the daemon asks for the user `ferry` and the
# secret in FERRY_RSYNC_SECRET (from a Secret ferry makes for the pass and deletes
# after it; never printed), for every module. Without it the receiver refuses to
# serve rather than open the volume to anything on the pod network.
#
# An rsync daemon takes 0.4 s to exit on SIGTERM, and a pass deletes its receiver
# once the sender has ended (nothing is in flight then): 0.4 s of downtime per
# volume for nothing. So SIGTERM ends it with SIGKILL at once. The one case that
# loses something is a receiver deleted mid-transfer (ferry killed, then resumed):
# the file in flight is sent again instead of kept as a partial.

# ferry's constants: HelperScripts.swift puts their values in when it builds the script.
mount=@MOUNT_PATH@
port=@RSYNC_PORT@
cache_dir=@CACHE_DIRECTORY@
exit_missing_tool=@EXIT_MISSING_TOOL@

# What this script and the manifest it serves need (the manifest checks again).
missing=""
for tool in awk cat cp cut date df du find id mkdir mktemp mv rm rsync sh sha256sum sleep sort stat tail touch tr xargs; do
  command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then echo "ferry: the helper image lacks:$missing" >&2; exit "$exit_missing_tool"; fi

if [ -z "${FERRY_RSYNC_SECRET:-}" ]; then echo "ferry: the receiver has no FERRY_RSYNC_SECRET: it serves no one without one" >&2; exit 1; fi

set -e
# manifest.sh, written to the pod's own /tmp.
w=$(mktemp -d)
# rsync refuses a secrets file that others can read (strict modes).
(umask 077 && printf 'ferry:%s\n' "$FERRY_RSYNC_SECRET" > "$w/secrets")
cat > "$w/manifest.sh" <<'FERRY_MANIFEST'
@MANIFEST_SH@
FERRY_MANIFEST
mkdir "$w/out"
c=$mount/$cache_dir
printf '%s\n' 'socket options = TCP_NODELAY' 'use chroot = no' 'reverse lookup = no' 'munge symlinks = no' 'numeric ids = yes' "uid = $(id -u)" "gid = $(id -g)" \
  "pid file = $w/pid" 'auth users = ferry' "secrets file = $w/secrets" 'strict modes = yes' \
  '[vol]' "path = $mount" 'read only = no' \
  '[room]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = { df -Pk $mount | tail -n 1 | awk '{print \$4}'; du -sk $mount | cut -f1; } > $w/out/room" \
  '[sums]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = mkdir -p $c && sh $w/manifest.sh $mount $c/target $c/target.new > $w/out/manifest && mv $c/target.new $c/target" \
  '[sums-last]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = sh $w/manifest.sh $mount $c/target '' > $w/out/manifest && rm -rf $c" \
  '[sums-fresh]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = sh $w/manifest.sh $mount '' '' > $w/out/manifest && rm -rf $c" \
  '[sums-now]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = mkdir -p $c && if [ -e $c/paths ]; then echo written; else echo untouched; fi > $w/out/copy && sh $w/manifest.sh $mount $c/target '' '' $w/out/misses > $w/out/manifest" \
  '[sums-of]' "path = $w/out" 'read only = yes' \
  "pre-xfer exec = sh $w/manifest.sh $mount '' '' $c/paths > $w/out/manifest && touch -m -r $c/stamp $w/stamp && rm -rf $c && touch -m -r $w/stamp $mount" \
  > "$w/rsyncd.conf"
rsync --daemon --no-detach --config="$w/rsyncd.conf" --address="$POD_IP" --port="$port" --log-file=/dev/stdout &
daemon=$!
trap 'kill -KILL "$daemon"; exit 0' TERM
wait "$daemon"
