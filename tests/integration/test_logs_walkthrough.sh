#!/bin/bash
# The walkthrough in docs/logs.md ("はじめてのログ収集"), command for command: start the
# collector, send lines with logger (util-linux, in every Debian), see the events and the alerts,
# write the VPN audit, export the verification key, verify, flip one byte and see verify name
# the block. If this test fails, the documented first steps no longer work.
set -euo pipefail

SRC=${MM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAMORI=${MAMORI:-$SRC/build/mamori}
TMP=$(mktemp -d)
collector=""
cleanup() {
    if [ -n "$collector" ] && kill -0 "$collector" 2>/dev/null; then
        kill -TERM "$collector"
        wait "$collector" || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
export MAMORI_USER=tester
unset MAMORI_TODAY MAMORI_NOW
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

if ! command -v logger >/dev/null 2>&1; then
    echo "test_logs_walkthrough: logger (bsdutils) is missing" >&2
    exit 1
fi
cd "$TMP"
"$MAMORI" init ./ws --name テスト病院 >/dev/null
export MAMORI_DIR=$TMP/ws

# 1. the collector, in the background, on free ports it prints
"$MAMORI" collect --tcp 127.0.0.1:0 --udp 127.0.0.1:0 --commit-seconds 1 --max-seconds 120 \
    >collect.out 2>collect.err &
collector=$!
tcp="" udp=""
for _ in $(seq 1 100); do
    tcp=$(sed -n 's/^mamori: listening tcp 127\.0\.0\.1:\([0-9]*\)$/\1/p' collect.out collect.err | head -1)
    udp=$(sed -n 's/^mamori: listening udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' collect.out collect.err | head -1)
    [ -n "$tcp" ] && [ -n "$udp" ] && break
    sleep 0.1
done
[ -n "$tcp" ] && [ -n "$udp" ] || { cat collect.out collect.err >&2; fail "the collector did not start"; exit 1; }

# 2. an attack in twelve lines and a success, as sshd would send them
for i in $(seq 1 12); do
    logger --server 127.0.0.1 --port "$tcp" --tcp -t sshd \
        "Failed password for invalid user admin from 203.0.113.5 port 501$i ssh2"
done
logger --server 127.0.0.1 --port "$udp" --udp -t sshd \
    "Accepted password for admin from 203.0.113.5 port 50200 ssh2"
for _ in $(seq 1 100); do
    n=$("$MAMORI" logs stats --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])' 2>/dev/null || echo 0)
    [ "$n" -ge 13 ] && break
    sleep 0.2
done
kill -INT "$collector"
wait "$collector" || fail "the collector did not exit cleanly"
collector=""
grep -q "received 13, stored 13" collect.out collect.err && ok "13 lines received and stored" \
    || { cat collect.out collect.err >&2; fail "counts after Ctrl-C"; }

# 3. events and alerts
[ "$("$MAMORI" logs query --source 203.0.113.5 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 13 ] \
    && ok "logs query finds the source" || fail "logs query --source"
alerts=$("$MAMORI" alerts --json)
echo "$alerts" | grep -q '"rule":"brute-force-account"' && ok "brute force alert" || fail "no brute-force alert: $alerts"
echo "$alerts" | grep -q '"rule":"success-after-failures"' && ok "success after failures alert" || fail "no success-after-failures alert"

# 4. the monthly VPN audit (no VPN in these lines: an empty audit is still written and recorded)
"$MAMORI" logs report vpn --month "$(date +%Y-%m)" -o vpn.html 2>/dev/null
[ -s vpn.html ] && ok "VPN audit written" || fail "VPN audit"

# 5. the verification key off the host, verify, then one flipped byte
"$MAMORI" logs keygen -o ./mamori-logs.pub >/dev/null
"$MAMORI" logs verify --key ./mamori-logs.pub >verify.out && ok "verify passes" || fail "verify on an intact store"
seg=$(ls ws/logs/seg-*.mms | head -1)
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[200] ^= 1; open(p, "wb").write(b)' "$seg"
set +e
"$MAMORI" logs verify --key ./mamori-logs.pub >verify.out 2>&1
rc=$?
set -e
[ "$rc" -eq 5 ] && grep -q "$(basename "$seg") block 0" verify.out && ok "the flipped byte is found and located" \
    || { cat verify.out >&2; fail "verify after a flipped byte (exit $rc)"; }

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "all ok"
