#!/bin/sh
# manifest.sh ROOT CACHE_IN CACHE_OUT [PATHS [MISSES]]
#
# Prints what ROOT holds, one sorted line per entry: type, mode, owner, size, link
# count and mtime of files, mtime of directories (not the root's, which the caches
# below it change), link targets, devices, and a SHA-256 of every regular file's
# contents. Directory sizes are left out: they depend on the filesystem, not the data.
# CACHE_IN and CACHE_OUT are checksum caches ('' for none); PATHS, a file of `./path`
# lines (no symlinks among them), limits the listing to those entries; MISSES
# receives the paths of the regular files hashed because CACHE_IN had no hash for
# them. HelperScripts.manifest (HelperScripts.swift) says why each of these is so.
#
# Run by both helper pods (the receiver's rsync daemon and the sender), whose image may
# be BusyBox's tools as much as GNU's: the output must be the same byte for byte with
# either (see HelperScriptShellTests). No environment variables.

# ferry's constants: HelperScripts.swift puts their values in when it builds the script.
cache_dir=@CACHE_DIRECTORY@
exit_missing_tool=@EXIT_MISSING_TOOL@

missing=""
for tool in awk cat cp date find mktemp rm sha256sum sleep sort stat tr xargs; do
  command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then echo "ferry: the helper image lacks:$missing" >&2; exit "$exit_missing_tool"; fi

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
  # (HelperScripts.manifest says why) and be hashed again in the downtime: start on
  # the next second.
  # (A fractional sleep is a build option of BusyBox's sleep: without it, a second.)
  while [ "$(date +%s)" = "$now" ]; do sleep 0.05 2> /dev/null || sleep 1; done
  now=$(date +%s)
fi
# One walk: symlinks with their targets, everything else with all the fields any
# type needs. Its stat(2) calls are most of a final pass's listing: about 5 µs
# each on a virtual machine, one per entry.
# Each entry's record starts with a \001 byte, so a name with a newline in it stays
# one record. stat -c prints a tab as it is, hence real tabs in the formats.
# A symlink's target comes from %N, which is "'NAME' -> 'TARGET'" with BusyBox's stat
# and, with QUOTING_STYLE=literal (which BusyBox ignores), "NAME -> TARGET" with GNU's
# (whose default quoting escapes what BusyBox prints as it is): the awk below takes
# the target out of either, knowing the name.
soh=$(printf '\001')
tab=$(printf '\t')
format="$soh%F$tab%a$tab%u:%g$tab%s$tab%h$tab%Y$tab%f$tab%t:%T$tab%i:%s:%Y:%Z$tab%Z$tab%n"
links="${soh}l$tab%u:%g$tab%n$tab%N"
if [ -n "$paths" ]; then
  # An entry named but gone (deleted by the pass) is no line, as in a walk.
  tr '\n' '\0' < "$paths" | xargs -0 -r stat -c "$format" > "$t/all" 2> /dev/null || :
else
  QUOTING_STYLE=literal find . -path "./$cache_dir" -prune -o -type l -exec stat -c "$links" {} + \
    -o -exec stat -c "$format" {} + > "$t/all"
fi
: > "$t/m"
: > "$t/keys"
: > "$t/hit"
: > "$t/miss"
if [ -z "$cin" ] || [ ! -s "$cin" ]; then cin=/dev/null; fi
# One pass splits the walk into the listing's lines and, for regular files, a
# cached hash or a name to hash. A hash is its inode's, whatever the name.
# A name with a newline in it cannot go through a list of names (exit status 3).
odd=0
awk -F '\t' -v cin="$cin" -v m="$t/m" -v keys="$t/keys" -v hit="$t/hit" -v miss="$t/miss" '
  BEGIN {
    while ((getline line < cin) > 0) { split(line, f, "\t"); cached[f[1]] = f[2] }
    RS = "\001"
    q = "'\''"
  }
  $0 == "" { next }
  {
    sub(/\n$/, "")
    if (index($0, "\n")) odd = 1
  }
  $1 == "l" {
    # $3 onwards: NAME, a tab, then NAME -> TARGET (GNU) or '\''NAME'\'' -> '\''TARGET'\'' (BusyBox).
    rest = substr($0, length($1 "\t" $2 "\t") + 1)
    for (at = index(rest, "\t"); at > 0; at += k) {
      name = substr(rest, 1, at - 1)
      after = substr(rest, at + 1)
      if (substr(after, 1, length(q name q " -> " q)) == q name q " -> " q) {
        target = substr(after, length(q name q " -> " q) + 1); sub(q "$", "", target); break
      }
      if (substr(after, 1, length(name " -> ")) == name " -> ") { target = substr(after, length(name " -> ") + 1); break }
      k = index(substr(rest, at + 1), "\t"); if (k == 0) { name = rest; target = "?"; break }
    }
    print "l " $2 " " q name q " -> " q target q > m
    next
  }
  { path = $11; for (i = 12; i <= NF; i++) path = path "\t" $i }
  $1 ~ /^regular/ {
    print "f " $2 " " $3 " " $4 " " $5 " " $6 " " path > m
    print $9 "\t" $10 "\t" path > keys
    if ($9 in cached) print "h " cached[$9] "  " path > hit; else print path > miss
    next
  }
  $1 == "directory" { print "d " $2 " " $3 " " (path == "." ? "-" : $6) " " path > m; next }
  { print "o " $7 " " $3 " " $8 " " path > m }
  END { exit odd ? 3 : 0 }
' "$t/all" || odd=$?
if [ "$odd" != 0 ] && [ "$odd" != 3 ]; then exit "$odd"; fi
if [ -n "$misses" ]; then cp "$t/miss" "$misses"; fi
# sha256sum's lines come in the order of the names given: the names are taken from the
# list, not from its lines (GNU's escapes a name with a backslash, BusyBox's does not).
# When that fails (a file gone since the walk, a name with a newline), every file is
# hashed as find names it, and no cache is kept.
if [ "$odd" = 0 ] && tr '\n' '\0' < "$t/miss" | xargs -0 -r sha256sum > "$t/hashed" 2> /dev/null; then
  awk 'FILENAME == ARGV[1] { name[FNR] = $0; next }
    { sub(/^\\/, ""); print "h " substr($0, 1, 64) "  " name[FNR] }' "$t/miss" "$t/hashed" > "$t/hashes"
else
  : > "$t/hit"
  if [ -n "$cout" ]; then : > "$cout"; fi
  cout=""
  # GNU's sha256sum escapes a name with a newline or a backslash in it (the line then
  # starts with a backslash); BusyBox's prints it as it is, as this does.
  find . -path "./$cache_dir" -prune -o -type f -exec sha256sum {} + | awk '
    /^\\/ {
      s = substr($0, 2); out = ""
      while ((i = index(s, "\\")) > 0) {
        c = substr(s, i + 1, 1)
        out = out substr(s, 1, i - 1) (c == "n" ? "\n" : c == "r" ? "\r" : c)
        s = substr(s, i + 2)
      }
      $0 = out s
    }
    # The rest of a name with a newline in it, as BusyBox prints it, is no hash line.
    substr($0, 65, 2) == "  " && substr($0, 1, 64) !~ /[^0-9a-f]/ { $0 = "h " $0 }
    { print }' > "$t/hashes"
fi
if [ -n "$cout" ]; then
  awk -F '\t' -v now="$now" '
    FILENAME == ARGV[1] { path = $3; for (i = 4; i <= NF; i++) path = path "\t" $i; if ($2 < now) key[path] = $1; next }
    { path = substr($0, 69); if (path in key) print key[path] "\t" substr($0, 3, 64) "\t" path }
  ' "$t/keys" "$t/hit" "$t/hashes" > "$cout"
fi
cat "$t/hit" "$t/hashes" >> "$t/m"
LC_ALL=C sort -o "$t/m" "$t/m"
cat "$t/m"
rm -rf "$t"
