#!/bin/bash
# Style check run by CTest: every tracked C source and header is as clang-format (the repo's
# .clang-format, Debian 12's clang-format 14) writes it. `make format` fixes what this reports.
set -euo pipefail
SRC=${MM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRC"
if ! command -v clang-format >/dev/null 2>&1; then
    echo "check_format: clang-format is missing; run scripts/install-deps.sh check" >&2
    exit 1
fi
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')
else
    mapfile -t files < <(find src tests -name '*.[ch]' -not -path '*/node_modules/*' | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "check_format: no sources found" >&2; exit 1; }
if clang-format --dry-run --Werror "${files[@]}"; then
    echo "check_format: ${#files[@]} files formatted"
else
    echo "check_format: run \`make format\` (clang-format -i) on the files above" >&2
    exit 1
fi
