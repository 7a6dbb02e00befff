#!/usr/bin/env bash
# Collector inputs benchmark (issue 5: crash-safe collection must not slow ingest noticeably):
#   TCP     mamori collect, journal on (default): median of three runs, zero loss by counting
#   TCP     the same with [logs] journal_sync = true (fdatasync per read chunk, power-loss safe)
#   RELP    rsyslog (imptcp → omrelp) into mamori collect --relp, against rsyslog into rsyslog
#           (imrelp → omfile) on the same corpus; zero loss by counting on both sides
# Peers: rsyslogd with rsyslog-relp when installed (scripts/install-deps.sh check).
# Usage: bench/bench_collect.sh [path/to/mamori] [events]   (default 500000, max 5000000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/mamori}")
n=${2:-500000}
[ "$n" -le 5000000 ] || n=5000000
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export MAMORI_DATA=${MAMORI_DATA:-$here/../data}
export MAMORI_USER=bench
export MAMORI_NOW=2025-12-31T00:00:00Z
now_ns() { date +%s%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
stored() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["stored"])' "$("$bin" --dir "$1" logs stats --json)"; }

python3 "$here/gen_logs.py" "$n" "$tmp/corpus.log"

# TCP into mamori collect; $1 = journal_sync. Prints "events/s stored".
tcp_run() {
    rm -rf "$tmp/ws"
    "$bin" init "$tmp/ws" >/dev/null
    printf '\n[logs]\njournal_sync = %s\n' "$1" >>"$tmp/ws/mamori.conf"
    coproc COL { exec "$bin" --dir "$tmp/ws" collect --tcp 127.0.0.1:0 --max-events "$n" --max-seconds 600 2>/dev/null; }
    local pid=$COL_PID line port s ns got
    read -r line <&"${COL[0]}"
    port=${line##*:}
    s=$(now_ns)
    cat "$tmp/corpus.log" >"/dev/tcp/127.0.0.1/$port"
    wait "$pid" || true
    ns=$(($(now_ns) - s))
    got=$(stored "$tmp/ws")
    echo "$(python3 -c "print('%.0f' % ($got / ($ns / 1e9)))") $got"
}

r=()
lost=0
for k in 1 2 3; do
    set -- $(tcp_run false)
    r+=("$1")
    lost=$((lost + n - $2))
done
tcp_med=$(printf '%s\n' "${r[@]}" | sort -n | sed -n 2p)
tcp_all="${r[*]}"
set -- $(tcp_run true)
tcp_sync=$1
lost_sync=$((n - $2))

# RELP: rsyslog reads the corpus over TCP and forwards it with omrelp
relp_m="-" relp_r="-" relp_lost="-" relp_rlost="-"
omrelp=$(ls /usr/lib/*/rsyslog/omrelp.so 2>/dev/null | head -1 || true)
if command -v rsyslogd >/dev/null 2>&1 && [ -n "$omrelp" ]; then
    # $1: "mamori" or "rsyslog" as the RELP receiver. Prints "events/s received".
    relp_run() {
        local rport iport s ns got rcv
        rport=$(free_port)
        iport=$(free_port)
        rm -rf "$tmp/ws" "$tmp/snd" "$tmp/rcv"
        mkdir -p "$tmp/snd" "$tmp/rcv"
        if [ "$1" = mamori ]; then
            "$bin" init "$tmp/ws" >/dev/null
            "$bin" --dir "$tmp/ws" collect --relp "127.0.0.1:$rport" --max-events "$n" --max-seconds 600 >/dev/null 2>&1 &
            rcv=$!
        else
            cat >"$tmp/rcv/rsyslog.conf" <<CONF
global(workDirectory="$tmp/rcv")
module(load="imrelp")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imrelp" port="$rport" address="127.0.0.1")
action(type="omfile" file="$tmp/rcv/out.log" template="raw" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="off")
CONF
            rsyslogd -n -f "$tmp/rcv/rsyslog.conf" -i "$tmp/rcv/pid" >"$tmp/rcv.log" 2>&1 &
            rcv=$!
        fi
        pids+=("$rcv")
        for _ in $(seq 100); do
            (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break
            sleep 0.1
        done
        cat >"$tmp/snd/rsyslog.conf" <<CONF
global(workDirectory="$tmp/snd")
module(load="imptcp")
module(load="omrelp")
main_queue(queue.type="FixedArray" queue.size="200000" queue.dequeueBatchSize="1024")
template(name="raw" type="string" string="%rawmsg%")
input(type="imptcp" port="$iport" address="127.0.0.1")
action(type="omrelp" target="127.0.0.1" port="$rport" template="raw" windowSize="1024")
CONF
        rsyslogd -n -f "$tmp/snd/rsyslog.conf" -i "$tmp/snd/pid" >"$tmp/snd.log" 2>&1 &
        local snd=$!
        pids+=("$snd")
        for _ in $(seq 100); do
            (exec 3<>"/dev/tcp/127.0.0.1/$iport") 2>/dev/null && break
            sleep 0.1
        done
        s=$(now_ns)
        cat "$tmp/corpus.log" >"/dev/tcp/127.0.0.1/$iport"
        if [ "$1" = mamori ]; then
            wait "$rcv" || true
        else
            for _ in $(seq 12000); do # at most 10 minutes
                c=$(wc -l <"$tmp/rcv/out.log" 2>/dev/null || echo 0)
                [ "$c" -ge "$n" ] && break
                sleep 0.05
            done
        fi
        ns=$(($(now_ns) - s))
        kill "$snd" 2>/dev/null || true
        wait "$snd" 2>/dev/null || true
        if [ "$1" = mamori ]; then
            got=$(stored "$tmp/ws")
        else
            kill "$rcv" 2>/dev/null || true
            wait "$rcv" 2>/dev/null || true
            got=$(wc -l <"$tmp/rcv/out.log")
        fi
        echo "$(python3 -c "print('%.0f' % ($got / ($ns / 1e9)))") $got"
    }
    set -- $(relp_run mamori)
    relp_m=$1
    relp_lost=$((n - $2))
    set -- $(relp_run rsyslog)
    relp_r=$1
    relp_rlost=$((n - $2))
fi

printf '\ncollector inputs, %d events, %.1f MB raw (%s)\n' "$n" "$(echo "$(stat -c %s "$tmp/corpus.log") / 1000000" | bc -l)" "$(uname -m)"
printf '%-40s %14s %22s\n' "measure" "mamori" "peer"
printf '%-40s %14s %22s\n' "TCP ingest, journal (median events/s)" "$tcp_med" ""
printf '%-40s %14s %22s\n' "  the three runs (events/s)" "" "$tcp_all"
printf '%-40s %14s %22s\n' "  events lost (3 runs)" "$lost" ""
printf '%-40s %14s %22s\n' "TCP ingest, journal_sync=true (ev/s)" "$tcp_sync" ""
printf '%-40s %14s %22s\n' "  events lost" "$lost_sync" ""
printf '%-40s %14s %22s\n' "RELP via rsyslog omrelp (events/s)" "$relp_m" "rsyslog imrelp $relp_r"
printf '%-40s %14s %22s\n' "  events lost" "$relp_lost" "$relp_rlost"
