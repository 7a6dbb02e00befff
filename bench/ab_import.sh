#!/usr/bin/env bash
# A/B of `mamori logs import` between two (or more) builds on one corpus, for speed work on the
# log pipeline (DESIGN.md §8, issue 5). The machine is noisy, so the binaries take turns, round
# after round, and the table gives each one's median and range. It also checks that a change
# kept behaviour: every binary imports the corpus into a copy of one workspace (same signing
# key, same clock), and the segment files must come out byte for byte the same, with the same
# counts and alerts.
# Usage: bench/ab_import.sh OLD_BINARY NEW_BINARY [more binaries] [-- events rounds]
#   events default 1000000 (max 20000000), rounds default 5 (max 50)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    bins+=("$(realpath "$1")")
    shift
done
[ "${1:-}" = "--" ] && shift
n=${1:-1000000}
rounds=${2:-5}
case "$n$rounds" in *[!0-9]*) echo "events and rounds are numbers" >&2; exit 2 ;; esac
[ "${#bins[@]}" -ge 2 ] || { echo "usage: $0 OLD NEW [more] [-- events rounds]" >&2; exit 2; }
[ "$n" -ge 1 ] && [ "$n" -le 20000000 ] || { echo "events must be 1-20000000" >&2; exit 2; }
[ "$rounds" -ge 1 ] && [ "$rounds" -le 50 ] || { echo "rounds must be 1-50" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MAMORI_DATA=${MAMORI_DATA:-$here/../data}
export MAMORI_USER=bench
export MAMORI_NOW=2025-12-31T00:00:00Z

python3 "$here/gen_logs.py" "$n" "$tmp/corpus.log"
"${bins[0]}" init "$tmp/base" >/dev/null 2>&1
: >"$tmp/empty.log" # an empty import makes the signing key, so every copy signs alike
"${bins[0]}" --dir "$tmp/base" logs import --format syslog "$tmp/empty.log" >/dev/null 2>&1

# behaviour: the same workspace in, the same segments and counts out
same=yes
for i in "${!bins[@]}"; do
    rm -rf "$tmp/ws$i"
    cp -a "$tmp/base" "$tmp/ws$i"
    "${bins[$i]}" --dir "$tmp/ws$i" logs import --format syslog --json "$tmp/corpus.log" 2>/dev/null |
        python3 -c 'import json,sys; j=json.load(sys.stdin); [j.pop(k) for k in ("seconds","events_per_second")]; print(json.dumps(j, sort_keys=True))' \
            >"$tmp/counts$i"
    if [ "$i" -gt 0 ]; then
        cmp -s "$tmp/counts0" "$tmp/counts$i" || same="no (counts: $(cat "$tmp/counts$i"))"
        for f in "$tmp/ws0/logs"/seg-*; do
            cmp -s "$f" "$tmp/ws$i/logs/$(basename "$f")" || same="no ($(basename "$f") differs)"
        done
        [ "$(ls "$tmp/ws0/logs" | grep -c '^seg-')" = "$(ls "$tmp/ws$i/logs" | grep -c '^seg-')" ] ||
            same="no (segment count)"
    fi
done

# speed: events/s of each import, binaries in turn
for r in $(seq 1 "$rounds"); do
    for i in "${!bins[@]}"; do
        rm -rf "$tmp/run"
        cp -a "$tmp/base" "$tmp/run"
        "${bins[$i]}" --dir "$tmp/run" logs import --format syslog --json "$tmp/corpus.log" 2>/dev/null |
            python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["events_per_second"])' \
                >>"$tmp/rate$i"
    done
done

printf '%-40s %12s %12s %12s\n' "binary ($n events, $rounds rounds)" "median ev/s" "min" "max"
for i in "${!bins[@]}"; do
    sort -n "$tmp/rate$i" >"$tmp/sorted$i"
    med=$(python3 -c 'import statistics,sys; print("%.0f" % statistics.median(int(l) for l in open(sys.argv[1])))' "$tmp/sorted$i")
    printf '%-40s %12s %12s %12s\n' "${bins[$i]}" "$med" "$(head -1 "$tmp/sorted$i")" "$(tail -1 "$tmp/sorted$i")"
done
echo "same segments, counts and alerts: $same"
[ "$same" = yes ]
