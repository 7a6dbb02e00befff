#!/usr/bin/env bash
# Report generation speed. Budget (DESIGN.md §8): full XLSX + PDF report < 1 s.
# Peer in the same run: python3 + openpyxl writing a workbook with the same rows from the
# same store (what a hospital's IT person would script), so the table shows Mamori next to the
# usual alternative on this machine, at this moment.
# Usage: bench/bench_report.sh [path/to/mamori] [runs]
set -euo pipefail
bin=$(realpath "${1:-build/mamori}")
runs=${2:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MAMORI_DATA=${MAMORI_DATA:-$(cd "$(dirname "$0")/.." && pwd)/data}

"$bin" demo --dir "$tmp/demo" --no-serve >/dev/null

. "$(dirname "$0")/lib.sh"

cat >"$tmp/peer.py" <<'PY'
import sqlite3, sys
from openpyxl import Workbook
db, out = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
wb = Workbook(); ws = wb.active; ws.title = "医療機関確認用"
ws.append(["項番", "回", "対象", "回答", "確認日", "対応目標日", "備考"])
for row in con.execute("SELECT item_id, round, scope, value, checked_on, target_on, note FROM answer a "
                       "WHERE id = (SELECT max(id) FROM answer b WHERE b.item_id = a.item_id AND "
                       "b.round = a.round AND b.scope = a.scope AND b.vendor_id IS a.vendor_id) ORDER BY id"):
    ws.append(list(row))
wb.save(out)
PY

printf '%-34s %10s %10s\n' "task ($runs runs, median)" "ms" "budget"
for f in xlsx pdf html csv; do
    ms=$(median_ms "$bin" --dir "$tmp/demo" report checklist --format "$f" -o "$tmp/r.$f")
    printf '%-34s %10s %10s\n' "mamori report --format $f" "$ms" "-"
done
both=$(median_ms bash -c "'$bin' --dir '$tmp/demo' report checklist --format xlsx -o '$tmp/a.xlsx' && '$bin' --dir '$tmp/demo' report checklist --format pdf -o '$tmp/a.pdf'")
printf '%-34s %10s %10s\n' "mamori xlsx + pdf" "$both" "< 1000"
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
    peer=$(median_ms /usr/bin/python3 "$tmp/peer.py" "$tmp/demo/mamori.db" "$tmp/peer.xlsx")
    printf '%-34s %10s %10s\n' "peer: python3+openpyxl (xlsx only)" "$peer" "-"
else
    echo "peer: python3-openpyxl not installed (scripts/install-deps.sh check)"
fi
