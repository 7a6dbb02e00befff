#!/usr/bin/env bash
# Browser test: headless Chromium (Debian's chromium) driven by playwright-core from npm walks
# the web UI of the demo hospital: log in with TOTP, answer an item, see the conflict marker,
# download the XLSX (through a job with progress), then a keyboard-only walk at 1366×768 (log
# in with TOTP, reach the checklist from the menu, answer an item) with its screenshots. Installs playwright-core into tests/browser/node_modules when missing.
# Screenshots and the downloaded report are kept in tests/artifacts/browser/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${MM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
mamori=${MAMORI:-$src/build/mamori}
browser_dir=$src/tests/browser
artifacts=$src/tests/artifacts/browser
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
    echo "test_browser: $chromium is missing; run scripts/install-deps.sh check" >&2
    exit 1
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "test_browser: node and npm are missing; run scripts/install-deps.sh check" >&2
    exit 1
fi
if [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
    echo "test_browser: installing playwright-core with npm"
    (cd "$browser_dir" && npm install --no-audit --no-fund --loglevel=error)
fi

tmp=$(mktemp -d /tmp/mamori-browser-XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

export MAMORI_USER=browser-test
"$mamori" demo --dir "$tmp/ws" --no-serve >"$tmp/demo.out"
password=$(sed -n 's/^  admin \/ \([^ ]*\) .*/\1/p' "$tmp/demo.out")
[ -n "$password" ] || { echo "test_browser: no admin password in the demo output" >&2; cat "$tmp/demo.out" >&2; exit 1; }
vendor_password=$(sed -n 's/^  towa  \/ \([^ ]*\) .*/\1/p' "$tmp/demo.out")
secret=$("$mamori" --dir "$tmp/ws" user totp admin --no-qr | sed -n 's/^secret: //p')

mkfifo "$tmp/ready"
"$mamori" --dir "$tmp/ws" serve --listen 127.0.0.1:0 >"$tmp/ready" 2>"$tmp/serve.err" &
server_pid=$!
url=""
if read -r -t 30 line <"$tmp/ready"; then
    url=$(printf '%s\n' "$line" | sed -n 's/^mamori: serving \(http:[^ ]*\)$/\1/p')
fi
[ -n "$url" ] || { echo "test_browser: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
# Keep reading the server's stdout so it never blocks on a full pipe.
cat "$tmp/ready" >/dev/null &

rm -rf "$artifacts"
mkdir -p "$artifacts"
(cd "$browser_dir" && MM_ARTIFACTS="$artifacts" CHROMIUM="$chromium" VENDOR_USER=towa \
    VENDOR_PASSWORD="$vendor_password" timeout 300 node walk.mjs "$url" admin "$password" "$secret")
echo "test_browser: screenshots in $artifacts"
