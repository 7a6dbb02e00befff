#!/usr/bin/env bash
# Access-log store benchmark (DESIGN.md §8 budgets):
#   ingest  ≥ 1,000,000 events/s, one core, file replay through the full pipeline
#           (`mamori logs import`: frame, parse, normalise, rules, hash, compress, write, seal)
#   at rest ≤ `zstd -19` of the raw text (hashes, seals and indexes included)
#   verify  ≥ 1 GB/s of stored data
#   query   one account; the budget is < 1 s over 100 M events (this run: the corpus size)
#   TCP     syslog over loopback ≥ 1.5 × rsyslog (imptcp → omfile) on the same corpus, zero loss
# Peers in the same run: zstd -19 / -3 of the raw text, and rsyslogd when it is installed
# (scripts/install-deps.sh bench). The corpus is generated (bench/gen_logs.py), bounded.
# Usage: bench/bench_logs.sh [path/to/mamori] [events]   (events default 1000000, max 20000000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/mamori}")
n=${2:-1000000}
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
for k in 1 2 3; do
    rm -rf "$tmp/ws"
    "$bin" init "$tmp/ws" >/dev/null
    imp=$("$bin" --dir "$tmp/ws" logs import --format syslog --json "$tmp/corpus.log" 2>/dev/null)
    rates+=("$(python3 -c 'import json,sys; print("%.0f" % json.loads(sys.argv[1])["events_per_second"])' "$imp")")
done
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

# query one account
s=$(now_ns)
hits=$("$bin" --dir "$tmp/ws" logs query --user sato 2>/dev/null | wc -l)
q_ms=$((($(now_ns) - s) / 1000000))

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
printf '%-36s %18s %18s %s\n' "measure" "mamori" "peer / budget" "ok"
ok() { python3 -c "import sys; print('yes' if $1 else 'NO')"; }
printf '%-36s %18s %18s %s\n' "ingest, file replay (median events/s)" "$imp_rate" "1000000" "$(ok "$imp_rate >= 1000000")"
printf '%-36s %18s %18s\n' "  the three runs (events/s)" "" "$imp_all"
printf '%-36s %18s %18s\n' "  import wall time, last run (s)" "$imp_s" ""
printf '%-36s %18s %18s %s\n' "bytes at rest (vs zstd -19 of raw)" "$stored" "$z19" "$(ok "$stored <= $z19")"
printf '%-36s %18s %18s\n' "  bytes/event (peer: zstd -3 bytes)" "$(echo "$stored / $n" | bc -l | cut -c1-6)" "$z3"
printf '%-36s %18s %18s %s\n' "verify (MB/s of stored data)" "$ver_mbs" "1000" "$(ok "$ver_mbs >= 1000")"
printf '%-36s %18s %18s\n' "query --user sato (ms, $hits hits)" "$q_ms" "<1000 @100M"
printf '%-36s %18s %18s %s\n' "TCP syslog ingest (events/s)" "$tcp_m" "rsyslog $tcp_r" "$( [ "$tcp_ratio" = - ] && echo - || ok "$tcp_ratio >= 1.5") (x$tcp_ratio)"
printf '%-36s %18s\n' "  TCP events lost" "$tcp_loss"
