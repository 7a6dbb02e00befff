#!/usr/bin/env bash
# Web API latency and throughput. Budget (DESIGN.md §8, issue 4): GET /api/v1/checklist with a
# logged-in session at 64 connections: p99 < 10 ms and at least half of nginx's requests/s
# serving the same JSON as a static file, measured with wrk in the same run on this machine.
# Usage: bench/bench_web.sh [path/to/mamori] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-build/mamori}")
secs=${2:-10}
conns=64
export MAMORI_DATA=${MAMORI_DATA:-$here/../data}

if ! command -v wrk >/dev/null 2>&1 || ! [ -x /usr/sbin/nginx ]; then
    bash "$here/../scripts/install-deps.sh" bench
fi

tmp=$(mktemp -d /tmp/mamori-bench-web-XXXXXX)
chmod 755 "$tmp" # nginx workers run as another user
mamori_pid=""
nginx_pid=""
cleanup() {
    for p in "$mamori_pid" "$nginx_pid"; do
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p"
            wait "$p" 2>/dev/null || true
        fi
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

"$bin" demo --dir "$tmp/ws" --no-serve >/dev/null
password=$("$bin" --dir "$tmp/ws" user add bench --role viewer | sed -n 's/.*initial password): //p')

mkfifo "$tmp/ready"
"$bin" --dir "$tmp/ws" serve --listen 127.0.0.1:0 >"$tmp/ready" 2>"$tmp/serve.err" &
mamori_pid=$!
read -r -t 30 line <"$tmp/ready"
cat "$tmp/ready" >/dev/null &
url=$(printf '%s\n' "$line" | sed -n 's/^mamori: serving \(http:[^ ]*\)$/\1/p')
[ -n "$url" ] || { echo "bench_web: mamori serve did not start" >&2; exit 1; }

curl -sf -c "$tmp/jar" -H 'Content-Type: application/json' \
    -d "{\"user\":\"bench\",\"password\":\"$password\"}" "${url}api/v1/session" >/dev/null
cookie=$(awk '$6 == "mamori_session" {print $7}' "$tmp/jar")
mkdir -p "$tmp/www"
curl -sf -b "$tmp/jar" "${url}api/v1/checklist" >"$tmp/www/checklist.json"
bytes=$(wc -c <"$tmp/www/checklist.json")

nport=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<CONF
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx;
    proxy_temp_path $tmp/nginx;
    fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx;
    scgi_temp_path $tmp/nginx;
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
        location / { default_type application/json; }
    }
}
CONF
/usr/sbin/nginx -c "$tmp/nginx.conf" -g 'daemon off;' 2>"$tmp/nginx/stderr" &
nginx_pid=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$nport/checklist.json" >/dev/null 2>&1 && break
    sleep 0.1
done

# wrk's --latency table; prints "rps p50 p99" (latencies in ms).
measure() {
    wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" >"$tmp/wrk.out"
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ *50%/ { p50 = ms($2) } /^ *99%/ { p99 = ms($2) }
        /^Requests\/sec/ { rps = $2 }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }' "$tmp/wrk.out"
}

read -r m_rps m_p50 m_p99 m_bad < <(measure -H "Cookie: mamori_session=$cookie" "${url}api/v1/checklist")
read -r n_rps n_p50 n_p99 n_bad < <(measure "http://127.0.0.1:$nport/checklist.json")

printf '\nGET /api/v1/checklist (%s bytes), %d connections, %ss, wrk -t2\n' "$bytes" "$conns" "$secs"
printf '%-28s %12s %10s %10s %8s\n' "server" "requests/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-28s %12s %10s %10s %8s\n' "mamori serve (session)" "$m_rps" "$m_p50" "$m_p99" "$m_bad"
printf '%-28s %12s %10s %10s %8s\n' "nginx static file" "$n_rps" "$n_p50" "$n_p99" "$n_bad"
awk -v m="$m_rps" -v n="$n_rps" -v p="$m_p99" -v bad="$m_bad" 'BEGIN {
    ratio = n > 0 ? m / n : 0
    printf("mamori/nginx: %.2f (goal >= 0.50: %s); p99 %.2f ms (goal < 10: %s); errors: %d\n",
        ratio, (ratio >= 0.5 ? "met" : "NOT met"), p, (p < 10 ? "met" : "NOT met"), bad)
}'
