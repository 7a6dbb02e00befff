#!/usr/bin/env bash
# Runs every benchmark in bench/ with the given mamori binary. Each prints its own table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/mamori}
for b in "$here"/bench_*.sh; do
    echo "== $(basename "$b")"
    bash "$b" "$bin"
    echo
done
