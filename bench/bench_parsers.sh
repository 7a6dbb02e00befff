#!/usr/bin/env bash
# Import rate of the Pulse/Ivanti and .evtx readers through the whole pipeline (`mamori logs
# import`: parse, normalise, rules, hash, compress, write, seal), next to peers in the same run:
#   ivanti  vs the FortiGate key=value parser on the same number of lines (a format of the same
#           shape already in the tree)
#   evtx    vs `evtxexport -f xml` (libevtx-utils: the same library rendering the same records
#           to XML, without our parse or store), when it is installed
# The inputs are generated (bounded): N WELF/plain Ivanti lines, and an .evtx file of M records
# written by tests/data/logs/make_evtx.py (templates shared within a chunk, as Windows does; 80
# records per chunk).
# No goal is set for these formats in issue 5; the table is for comparison across runs.
# Usage: bench/bench_parsers.sh [path/to/mamori] [lines] [records]
#        (defaults 200000 and 20000; at most 5000000 and 500000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/mamori}")
n=${2:-200000}
m=${3:-20000}
if [ "$n" -gt 5000000 ] || [ "$m" -gt 500000 ]; then
    echo "bench_parsers: at most 5000000 lines and 500000 records" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MAMORI_DATA=${MAMORI_DATA:-$here/../data}
export MAMORI_USER=bench
export MAMORI_NOW=2025-12-31T00:00:00Z
now_ns() { date +%s%N; }

python3 - "$n" "$m" "$tmp" "$here/../tests/data/logs" <<'PY'
import random, sys
n, m, tmp, fixtures = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path.insert(0, fixtures)
import make_evtx
rnd = random.Random(5)
users = ["yamada", "sato", "ito", "vendor-%02d" % 1, "suzuki", "tanaka", "admin"]
msgs = [
    'AUT31504: Login succeeded for {u}/Users (session:{s:08x}) from {ip}.',
    'AUT23457: Login failed using auth server AD-Hospital (Active Directory). Reason: Failed',
    'AUT22673: Logout from {ip} (session:{s:08x})',
    'NWC23464: VPN Tunneling: Session started for user with IPv4 address 10.200.0.{k}, hostname PC{k}',
    'NWC23465: VPN Tunneling: Session ended for user with IPv4 address 10.200.0.{k}',
    'ERR24670: Statistics: Concurrent users {k}',
]
with open(tmp + "/ivanti.log", "w") as iv, open(tmp + "/fortigate.log", "w") as fg:
    for i in range(n):
        u = rnd.choice(users)
        ip = "203.0.113.%d" % rnd.randrange(1, 255)
        h, mi, se = (i // 3600) % 24, (i // 60) % 60, i % 60
        msg = rnd.choice(msgs).format(u=u, ip=ip, s=rnd.getrandbits(32), k=rnd.randrange(2, 250))
        if i % 4:
            iv.write('id=firewall time="2025-11-20 %02d:%02d:%02d" pri=6 fw=10.0.0.1 vpn=ive '
                     'user=%s realm="Users" roles="Staff" proto= src=%s dst= dstname= type=vpn '
                     'op= arg="" result= sent= rcvd= agent="" duration= msg="%s"\n'
                     % (h, mi, se, u, ip, msg))
        else:
            iv.write('<134>Nov 20 %02d:%02d:%02d pcs01 PulseSecure: 2025-11-20 %02d:%02d:%02d - ive - '
                     '[%s] %s(Users)[Staff] - %s\n' % (h, mi, se, h, mi, se, ip, u, msg.split(": ", 1)[1]))
        fg.write('date=2025-11-20 time=%02d:%02d:%02d devname="FGT60F-HOSP" devid="FGT60FTK2209" '
                 'tz="+0900" logid="0101039424" type="event" subtype="vpn" level="information" '
                 'vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" '
                 'remip=%s tunnelip=10.212.134.200 user="%s" group="vpn" msg="SSL tunnel established"\n'
                 % (h, mi, se, ip, u))
base = make_evtx.sample_events()
evs = []
for i in range(m):
    e = dict(base[i % len(base)])
    e["record"] = 1 + i
    evs.append(e)
make_evtx.write_evtx(tmp + "/security.evtx", evs, per_chunk=80)
PY

# rate of one import into a fresh workspace: "events seconds events_per_second"
import_rate() {
    rm -rf "$tmp/ws"
    "$bin" init "$tmp/ws" >/dev/null 2>&1
    "$bin" --dir "$tmp/ws" logs import --format "$1" --json "$2" 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["stored"], "%.3f" % d["seconds"], "%.0f" % d["events_per_second"])'
}
# median of three runs of import_rate
median3() {
    for k in 1 2 3; do import_rate "$1" "$2"; done | sort -k3 -n | sed -n 2p
}
peer() { # command... → "seconds"
    local s
    s=$(now_ns)
    "$@" >/dev/null 2>&1
    python3 -c "print('%.3f' % (($(now_ns) - $s) / 1e9))"
}

read -r iv_n iv_s iv_r <<<"$(median3 ivanti "$tmp/ivanti.log")"
read -r fg_n fg_s fg_r <<<"$(median3 fortigate "$tmp/fortigate.log")"
read -r ev_n ev_s ev_r <<<"$(median3 evtx "$tmp/security.evtx")"
ex_s="-" ex_r="-"
if command -v evtxexport >/dev/null 2>&1; then
    ex_s=$(peer evtxexport -f xml "$tmp/security.evtx")
    ex_r=$(python3 -c "print('%.0f' % ($m / max($ex_s, 1e-6)))")
fi
iv_mb=$(python3 -c "import os; print('%.1f' % (os.path.getsize('$tmp/ivanti.log') / 1e6))")
ev_mb=$(python3 -c "import os; print('%.1f' % (os.path.getsize('$tmp/security.evtx') / 1e6))")

printf '%-44s %10s %9s %12s\n' "what (median of 3 imports)" "events" "seconds" "events/s"
printf '%-44s %10s %9s %12s\n' "mamori import --format ivanti ($iv_mb MB)" "$iv_n" "$iv_s" "$iv_r"
printf '%-44s %10s %9s %12s\n' "  peer: --format fortigate, same line count" "$fg_n" "$fg_s" "$fg_r"
printf '%-44s %10s %9s %12s\n' "mamori import --format evtx ($ev_mb MB)" "$ev_n" "$ev_s" "$ev_r"
printf '%-44s %10s %9s %12s\n' "  peer: evtxexport -f xml (libevtx-utils)" "$m" "$ex_s" "$ex_r"
