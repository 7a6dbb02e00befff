#!/usr/bin/env bash
# Checklist evaluation speed. Budget (DESIGN.md §8): all evaluators over a 5,000-asset,
# 20,000-account hospital in < 100 ms. Peer in the same run: the sqlite3 shell running just the
# 2-⑤ leaver query on the same store — a floor for what one SQL pass costs here.
# Usage: bench/bench_evaluate.sh [path/to/mamori] [runs]
set -euo pipefail
bin=$(realpath "${1:-build/mamori}")
runs=${2:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
export MAMORI_DATA=${MAMORI_DATA:-$root/data}
export MAMORI_USER=bench

"$bin" init "$tmp/ws" --name "ベンチ病院" >/dev/null
python3 - "$tmp" <<'PY'
import random, sys
random.seed(7)
d = sys.argv[1]
kinds = ["server"] * 500 + ["pc"] * 4000 + ["network"] * 500
with open(f"{d}/assets.csv", "w") as f:
    f.write("kind,name,host,ip,os,os_version,location,department,owner,vendor,remote_maintenance,remote_access\n")
    for i, k in enumerate(kinds):
        os_, ver = {"server": ("Windows Server", "2019"), "pc": ("Windows 11", "23H2"),
                    "network": ("FortiOS", random.choice(["6.0.4", "7.2.12", "7.0.15"]))}[k]
        vendor = "ベンダー%d" % (i % 20) if k != "pc" else ""
        rm = random.choice(["yes", "no", ""]) if vendor else ""
        ra = "yes" if k == "network" and i % 50 == 0 else "no"
        f.write(f"{k},A{i:05d},h{i:05d},10.{i // 65536}.{i // 256 % 256}.{i % 256},{os_},{ver},棟{i % 9},部署{i % 40},,{vendor},{rm},{ra}\n")
with open(f"{d}/staff.csv", "w") as f:
    f.write("person_id,name,job,department,hired,left\n")
    for i in range(15000):
        left = "2024-03-31" if i % 25 == 0 else ""
        f.write(f"S{i:05d},職員{i},看護師,部署{i % 40},2015-04-01,{left}\n")
with open(f"{d}/accounts.csv", "w") as f:
    f.write("system,login,person_id,role,enabled,last_logon,admin,mfa,shared\n")
    for i in range(20000):
        day = "2024-01-10" if i % 40 == 0 else "2026-11-01"
        f.write(f"SYS{i % 5},u{i:05d},S{i % 15000:05d},看護師,yes,{day}T08:00:00Z,{'yes' if i % 500 == 0 else 'no'},{'yes' if i % 3 == 0 else 'no'},no\n")
with open(f"{d}/media.csv", "w") as f:
    f.write("host,state\n")
    for i in range(4500):
        f.write(f"A{i:05d},{'blocked' if i % 7 else 'none'}\n")
PY
for k in assets staff accounts media; do
    "$bin" --dir "$tmp/ws" import "$k" "$tmp/$k.csv" >/dev/null
done
"$bin" --dir "$tmp/ws" import advisories "$root/data/advisories/feed.json" >/dev/null

. "$(dirname "$0")/lib.sh"

printf '%-44s %10s %10s\n' "task ($runs runs, median)" "ms" "budget"
ms=$(median_ms "$bin" --dir "$tmp/ws" evaluate)
printf '%-44s %10s %10s\n' "mamori evaluate (5,000 assets, 20,000 accts)" "$ms" "< 100"
ms=$(median_ms "$bin" --dir "$tmp/ws" version)
printf '%-44s %10s %10s\n' "mamori version (process start, for scale)" "$ms" "-"
if command -v sqlite3 >/dev/null; then
    ms=$(median_ms sqlite3 "$tmp/ws/mamori.db" "SELECT count(*) FROM account a JOIN staff s ON s.person_id = a.person_id WHERE a.enabled AND s.left_on IS NOT NULL")
    printf '%-44s %10s %10s\n' "peer: sqlite3 shell, 2-5 leaver query only" "$ms" "-"
fi
MAMORI_EVAL_TRACE=1 "$bin" --dir "$tmp/ws" evaluate | head -1
