#!/bin/bash
# Runs every Linux collector on this machine, checks that each writes valid JSON in the
# collector envelope, and that `mamori import` accepts it (services always; the other kinds
# once their importer exists). A fake systemctl replays a Debian 12 server's output so the
# list-units path is exercised even where systemd is not running (containers, CI).
set -euo pipefail

SRC=${MM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAMORI=${MAMORI:-$SRC/build/mamori}
DATA=${MM_TEST_DATA:-$SRC/tests/data}
COLLECTORS=$SRC/collectors/linux
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export MAMORI_USER=tester MAMORI_TODAY=2025-11-20
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# check_envelope FILE KIND: valid JSON, our envelope, rows an array.
check_envelope() {
    python3 -m json.tool "$1" >/dev/null || { fail "$1 is not valid JSON"; return 1; }
    python3 - "$1" "$2" <<'PY' || { fail "$1: bad envelope"; return 1; }
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["mamori_collector"] == sys.argv[2], d["mamori_collector"]
assert d["version"] == 1
assert isinstance(d["host"], str) and d["host"]
assert isinstance(d["taken"], str) and d["taken"].endswith("Z") and len(d["taken"]) == 20
assert isinstance(d["rows"], list)
PY
}

"$MAMORI" init "$TMP/ws" --name テスト病院 >/dev/null
M() { "$MAMORI" --dir "$TMP/ws" "$@"; }

other_importer=0
if M import accounts --help >/dev/null 2>&1 && M import --help 2>/dev/null | grep -q accounts; then
    other_importer=1
fi

for pair in services:services users:accounts password-policy:password-policies \
    usb-policy:media updates:software; do
    script=${pair%%:*}
    kind=${pair#*:}
    out=$TMP/$script.json
    if ! sh "$COLLECTORS/$script.sh" -o "$out"; then
        fail "$script.sh exited non-zero"
        continue
    fi
    check_envelope "$out" "$kind" || continue
    ok "$script.sh writes a $kind envelope ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$out") rows)"
    if [ "$kind" = services ]; then
        if M import services "$out" >"$TMP/import.out" 2>&1; then
            ok "mamori import services accepts services.sh output"
        else
            fail "mamori import services rejected services.sh output: $(cat "$TMP/import.out")"
        fi
    elif [ $other_importer = 1 ]; then
        if M import "$kind" "$out" >"$TMP/import.out" 2>&1; then
            ok "mamori import $kind accepts $script.sh output"
        else
            fail "mamori import $kind rejected $script.sh output: $(cat "$TMP/import.out")"
        fi
    else
        echo "skip: mamori import $kind (that importer is not in this build)"
    fi
done

# stdout mode and argument errors
sh "$COLLECTORS/services.sh" | python3 -m json.tool >/dev/null && ok "services.sh writes to stdout" || fail "services.sh stdout"
if sh "$COLLECTORS/services.sh" --bogus 2>/dev/null; then fail "services.sh accepted --bogus"; else ok "services.sh rejects unknown options"; fi

# A Debian 12 server's systemctl, replayed: the list-units path, merged with unit files.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/systemctl" <<FAKE
#!/bin/sh
case "\$1" in
list-units) cat "$DATA/services/debian12-units-plain.txt" ;;
list-unit-files) sed -e '1d' -e '/^\$/d' -e '/unit files listed/d' "$DATA/services/debian12-server-unit-files.txt" ;;
*) exit 1 ;;
esac
FAKE
chmod +x "$TMP/bin/systemctl"
PATH="$TMP/bin:$PATH" sh "$COLLECTORS/services.sh" -o "$TMP/fake.json"
check_envelope "$TMP/fake.json" services
python3 - "$TMP/fake.json" <<'PY' && ok "services.sh maps systemd states" || fail "services.sh state mapping"
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["rows"]}
assert rows["ssh.service"]["status"] == "Running" and rows["ssh.service"]["start_type"] == "Automatic", rows["ssh.service"]
assert rows["ssh.service"]["display_name"] == "OpenBSD Secure Shell server"
assert rows["postgresql@15-main.service"]["status"] == "Failed"
assert rows["apparmor.service"]["status"] == "Exited"
assert rows["vsftpd.service"]["status"] == "Stopped" and rows["vsftpd.service"]["start_type"] == "Manual"
assert rows["x11-common.service"]["start_type"] == "Disabled"
assert "auditd.service" not in rows and "sshd.service" not in rows and "getty@.service" not in rows
PY
M import services --host fake --taken 2025-11-01 "$TMP/fake.json" >/dev/null && ok "fake server imported" || fail "fake import"
M import services --host fake --taken 2025-11-20 "$DATA/services/debian12-units.txt" "$DATA/services/debian12-server-unit-files.txt" >/dev/null
diff_out=$(M services diff --host fake --json)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["added"]==[] and d["removed"]==[] and d["changed"]==[], d' "$diff_out" &&
    ok "collector and systemctl text give the same snapshot" || fail "collector vs systemctl diff: $diff_out"

# JSON escaping of awkward text
printf 'x\\y "q"\ttab\001ctl\n' | awk "$(sed -n "/^MM_AWK_JSON='/,/^'/p" "$COLLECTORS/lib.sh" | sed -e "1s/^MM_AWK_JSON='//" -e '$d')"'
    { print "{\"s\":" jstr($0) "}" }' >"$TMP/esc.json"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["s"] == "x\\y \"q\"\ttab\x01ctl"' "$TMP/esc.json" &&
    ok "awk JSON escaping" || fail "awk JSON escaping: $(cat "$TMP/esc.json")"

# The sample collector files in tests/data/collectors are valid envelopes too.
for f in "$DATA"/collectors/*.json; do
    kind=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mamori_collector"])' "$f")
    check_envelope "$f" "$kind" || continue
    if [ "$kind" = services ]; then
        M import services "$f" >/dev/null && ok "import $(basename "$f")" || fail "import $(basename "$f")"
    elif [ $other_importer = 1 ]; then
        M import "$kind" "$f" >/dev/null 2>"$TMP/err" && ok "import $(basename "$f")" || fail "import $(basename "$f"): $(cat "$TMP/err")"
    fi
done

if command -v shellcheck >/dev/null 2>&1; then
    (cd "$COLLECTORS" && shellcheck -x ./*.sh) && ok "shellcheck clean" || fail "shellcheck"
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "all collector checks passed"
