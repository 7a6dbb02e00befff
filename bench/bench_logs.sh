#!/usr/bin/env bash
# Access-log store benchmark (DESIGN.md §8 budgets):
#   ingest  ≥ 1,000,000 events/s, one core, file replay through the full pipeline
#           (`mamori logs import`: frame, parse, normalise, rules, hash, compress, write, seal)
#   at rest ≤ `zstd -19` of the raw text (hashes, seals and indexes included)
#   verify  ≥ 1 GB/s of stored data
#   query   one account's history < 1 s over 100 M events: a busy account (sato, in every
#           stretch of this corpus: without the grouping of runs by account it would be in
#           every block) and a rare one (vendor-maint, about 1 line in 20,000); measured over
#           the corpus, then over
#           REPEAT × the corpus (the same file imported REPEAT-1 more times: segments of the
#           same shape, so the figure is measured, not extrapolated)
#   memory  peak RSS of the import (/usr/bin/time)
#   TCP     syslog over loopback ≥ 1.5 × rsyslog (imptcp → omfile) on the same corpus, zero loss
# Peers in the same run: zstd -19 / -3 of the raw text, and rsyslogd when it is installed
# (scripts/install-deps.sh bench). The corpus is generated (bench/gen_logs.py), bounded.
# Usage: bench/bench_logs.sh [path/to/mamori] [events] [repeat]
#   events default 1000000 (max 20000000); repeat default 1 (max 200): with 10000000 and 10
#   the query store holds 100 M events (about 1.1 GB of segments, ~3 minutes of import).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/mamori}")
n=${2:-1000000}
repeat=${3:-1}
case "$repeat" in '' | *[!0-9]*) echo "repeat must be a number" >&2; exit 2 ;; esac
[ "$repeat" -ge 1 ] && [ "$repeat" -le 200 ] || { echo "repeat must be 1-200" >&2; exit 2; }
tmp=$(mktemp -d)
rs_pid=""
cleanup() {
    if [ -n "$rs_pid" ]; then kill "$rs_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
export MAMORI_DATA=${MAMORI_DATA:-$here/../data}
export MAMORI_USER=bench
export MAMORI_NOW=2025-12-31T00:00:00Z # after the generated corpus (it starts 2025-01-01)

python3 "$here/gen_logs.py" "$n" "$tmp/corpus.log"
raw=$(stat -c %s "$tmp/corpus.log")
now_ns() { date +%s%N; }

# ingest (file replay): the median of three imports into fresh workspaces; the last one stays
rates=()
rss=()
for k in 1 2 3; do
    rm -rf "$tmp/ws"
    "$bin" init "$tmp/ws" >/dev/null
    imp=$(/usr/bin/time -f '%M' -o "$tmp/rss" "$bin" --dir "$tmp/ws" logs import --format syslog --json "$tmp/corpus.log" 2>/dev/null)
    rates+=("$(python3 -c 'import json,sys; print("%.0f" % json.loads(sys.argv[1])["events_per_second"])' "$imp")")
    rss+=("$(tail -1 "$tmp/rss")")
done
rss_max=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
imp_rate=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
imp_all="${rates[*]}"
imp_s=$(python3 -c 'import json,sys; print("%.2f" % json.loads(sys.argv[1])["seconds"])' "$imp")

# at rest
stored=$(cat "$tmp"/ws/logs/seg-*.mms | wc -c)
z19=$(zstd -19 -T1 -q -c "$tmp/corpus.log" | wc -c)
z3=$(zstd -3 -T1 -q -c "$tmp/corpus.log" | wc -c)

# verify (warm cache: the segments were just written)
ver=$("$bin" --dir "$tmp/ws" logs verify --json 2>/dev/null)
ver_mbs=$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); assert v["ok"]; print("%.0f" % (v["bytes"]/1e6/max(v["seconds"],1e-6)))' "$ver")

# query one account: wall time of `mamori logs query` (process start and output included),
# the best of three; blocks read / blocks in the store from its summary line
query() { # $1 = user; prints "ms hits read total"
    local best="" hits=0 read=0 total=0
    for _ in 1 2 3; do
        local s e
        s=$(now_ns)
        hits=$("$bin" --dir "$tmp/ws" logs query --user "$1" 2>"$tmp/q.err" | wc -l)
        e=$((($(now_ns) - s) / 1000000))
        if [ -z "$best" ] || [ "$e" -lt "$best" ]; then best=$e; fi
    done
    read=$(python3 -c 'import re,sys; m=re.search(r"blocks (\d+), skipped (\d+)", open(sys.argv[1]).read()); print(int(m.group(1))-int(m.group(2)), m.group(1))' "$tmp/q.err")
    echo "$best $hits $read"
}
read -r qb_ms qb_hits qb_read qb_total <<<"$(query sato)"
read -r qr_ms qr_hits qr_read qr_total <<<"$(query vendor-maint)"
big=$n
if [ "$repeat" -gt 1 ]; then # the same corpus again, REPEAT-1 times: N × REPEAT events
    for _ in $(seq 2 "$repeat"); do
        "$bin" --dir "$tmp/ws" logs import --format syslog "$tmp/corpus.log" >/dev/null 2>&1
    done
    big=$((n * repeat))
    read -r Qb_ms Qb_hits Qb_read Qb_total <<<"$(query sato)"
    read -r Qr_ms Qr_hits Qr_read Qr_total <<<"$(query vendor-maint)"
    big_bytes=$(cat "$tmp"/ws/logs/seg-*.mms | wc -c)
    ver=$("$bin" --dir "$tmp/ws" logs verify --json 2>/dev/null)
    big_ver_mbs=$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); assert v["ok"]; print("%.0f" % (v["bytes"]/1e6/max(v["seconds"],1e-6)))' "$ver")
fi

# TCP: mamori collect vs rsyslog on the same corpus over one connection to 127.0.0.1
tcp_m="-" tcp_r="-" tcp_ratio="-" tcp_loss="-"
"$bin" init "$tmp/wsc" >/dev/null
coproc COL { exec "$bin" --dir "$tmp/wsc" collect --tcp 127.0.0.1:0 --max-events "$n" --max-seconds 600 2>/dev/null; }
col_pid=$COL_PID
read -r line <&"${COL[0]}"
port=${line##*:}
s=$(now_ns)
cat "$tmp/corpus.log" >"/dev/tcp/127.0.0.1/$port"
wait "$col_pid" || true
tcp_m_ns=$(($(now_ns) - s))
got=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["stored"])' "$("$bin" --dir "$tmp/wsc" logs stats --json)")
tcp_m=$(python3 -c "print('%.0f' % ($got / ($tcp_m_ns / 1e9)))")
tcp_loss=$((n - got))
if command -v rsyslogd >/dev/null 2>&1; then
    rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$tmp/rs"
    cat >"$tmp/rs/rsyslog.conf" <<CONF
global(workDirectory="$tmp/rs")
module(load="imptcp")
main_queue(queue.type="FixedArray" queue.size="200000" queue.dequeueBatchSize="1024")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imptcp" port="$rport" address="127.0.0.1")
action(type="omfile" file="$tmp/rs/out.log" template="raw" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="off")
CONF
    rsyslogd -n -f "$tmp/rs/rsyslog.conf" -i "$tmp/rs/pid" &
    rs_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break
        sleep 0.1
    done
    s=$(now_ns)
    cat "$tmp/corpus.log" >"/dev/tcp/127.0.0.1/$rport"
    for _ in $(seq 6000); do # at most 10 minutes
        c=$(wc -l <"$tmp/rs/out.log" 2>/dev/null || echo 0)
        [ "$c" -ge "$n" ] && break
        sleep 0.05
    done
    tcp_r_ns=$(($(now_ns) - s))
    kill "$rs_pid" 2>/dev/null || true
    wait "$rs_pid" 2>/dev/null || true
    rs_pid=""
    tcp_r=$(python3 -c "print('%.0f' % ($n / ($tcp_r_ns / 1e9)))")
    tcp_ratio=$(python3 -c "print('%.2f' % ($tcp_m / $tcp_r))")
fi

printf '\naccess-log store, %d events, %.1f MB raw (%s)\n' "$n" "$(echo "$raw / 1000000" | bc -l)" "$(uname -m)"
printf '%-44s %16s %22s %s\n' "measure" "mamori" "peer / budget" "met"
ok() { python3 -c "import sys; print('yes' if $1 else 'NO')"; }
row() { printf '%-44s %16s %22s %s\n' "$@"; }
row "ingest, file replay (median events/s)" "$imp_rate" "budget 1000000" "$(ok "$imp_rate >= 1000000")"
row "  the three runs (events/s)" "" "$imp_all" ""
row "  import wall time, last run (s)" "$imp_s" "" ""
row "  peak memory of the import (max RSS, MB)" "$((rss_max / 1024))" "" ""
row "bytes at rest, all included" "$stored" "zstd -19: $z19" "$(ok "$stored <= $z19") (x$(python3 -c "print('%.3f' % ($stored / $z19))"))"
row "  bytes/event (peer: zstd -3 of raw)" "$(python3 -c "print('%.2f' % ($stored / $n))")" "zstd -3: $z3" ""
row "verify, $n events (MB/s of stored data)" "$ver_mbs" "budget 1000" "$(ok "$ver_mbs >= 1000")"
row "query busy account, $n events (ms)" "$qb_ms" "$qb_hits hits" "blocks read $qb_read/$qb_total"
row "query rare account, $n events (ms)" "$qr_ms" "$qr_hits hits" "blocks read $qr_read/$qr_total"
if [ "$repeat" -gt 1 ]; then
    row "query busy account, $big events (ms)" "$Qb_ms" "budget <1000 @100M" "$(ok "$Qb_ms < 1000") ($Qb_hits hits, blocks $Qb_read/$Qb_total)"
    row "query rare account, $big events (ms)" "$Qr_ms" "budget <1000 @100M" "$(ok "$Qr_ms < 1000") ($Qr_hits hits, blocks $Qr_read/$Qr_total)"
    row "  store of $big events (bytes)" "$big_bytes" "" ""
    row "verify, $big events (MB/s of stored data)" "$big_ver_mbs" "budget 1000" "$(ok "$big_ver_mbs >= 1000")"
else
    row "query, 100 M events (ms)" "-" "budget <1000" "not measured (run with repeat)"
fi
row "TCP syslog ingest (events/s)" "$tcp_m" "rsyslog $tcp_r" "$( [ "$tcp_ratio" = - ] && echo - || ok "$tcp_ratio >= 1.5") (x$tcp_ratio)"
row "  TCP events lost" "$tcp_loss" "0" "$(ok "$tcp_loss == 0")"
