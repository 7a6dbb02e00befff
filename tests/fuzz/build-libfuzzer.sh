#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer (+ ASan + UBSan) and runs each for a bounded
# time on a copy of its seed corpus. `make fuzz` calls this; CTest only replays the seeds.
#
# Usage: tests/fuzz/build-libfuzzer.sh [TARGET...]      (default: every tests/fuzz/*_fuzz.c)
#   FUZZ_SECONDS   seconds per target (default 30)
#   FUZZ_OUT       build and work directory (default build-fuzz/ at the repository root)
#   CC             the compiler (default clang; must support -fsanitize=fuzzer)
#
# A target is tests/fuzz/<name>_fuzz.c with its seeds in tests/fuzz/corpus/<name>/. It is
# linked against the sources of every src/ module but src/cli and src/report (compiled here
# into one static archive, so a target pulls in only what it uses). New inputs libFuzzer finds stay in FUZZ_OUT/corpus/<name>/; a crash is
# written to FUZZ_OUT/artifacts/ and the script exits non-zero. Copy a crashing input into
# tests/fuzz/corpus/<name>/ once fixed so CTest keeps replaying it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
cc=${CC:-clang}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$root"/tests/fuzz/*_fuzz.c; do
        n=$(basename "$f")
        targets+=("${n%_fuzz.c}")
    done
fi

case "$seconds" in
'' | *[!0-9]*)
    echo "build-libfuzzer: FUZZ_SECONDS must be a whole number of seconds, got '$seconds'" >&2
    exit 2
    ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build-libfuzzer: $cc not found (make check-deps installs clang)" >&2
    exit 1
fi
for t in "${targets[@]}"; do
    if [ ! -f "$root/tests/fuzz/${t}_fuzz.c" ]; then
        echo "build-libfuzzer: no target tests/fuzz/${t}_fuzz.c" >&2
        exit 2
    fi
    if [ -z "$(ls -A "$root/tests/fuzz/corpus/$t" 2>/dev/null)" ]; then
        echo "build-libfuzzer: no seeds in tests/fuzz/corpus/$t/" >&2
        exit 2
    fi
done

pkgs="sqlite3 jansson libsodium inih"
for p in libzstd libmicrohttpd liboath libqrencode gnutls libevtx expat; do
    if pkg-config --exists "$p"; then
        pkgs="$pkgs $p"
    fi
done
dirs=""
for d in "$root"/src/*/; do
    d=$(basename "$d")
    case "$d" in cli | report) ;; *) dirs="$dirs $d" ;; esac
done
dirs=${dirs# }
includes=()
for d in $dirs; do
    includes+=("-I$root/src/$d")
done
# src/web's handlers include report.h (headers only; a target links only what it uses).
includes+=("-I$root/src/report")
# shellcheck disable=SC2207 # pkg-config output is a list of words
pkg_cflags=($(pkg-config --cflags $pkgs))
# shellcheck disable=SC2207
pkg_libs=($(pkg-config --libs $pkgs))
common=(-std=c11 -g -O1 -fno-omit-frame-pointer
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
    "-DMM_DATA_DIR=\"$root/data\"" "-DMM_VERSION=\"fuzz\""
    "${includes[@]}" "${pkg_cflags[@]}")
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

mkdir -p "$out/obj" "$out/artifacts"
rm -f "$out"/obj/*.o "$out/libmamori_fuzz.a"

echo "build-libfuzzer: compiling src/{${dirs// /,}} with $cc"
for d in $dirs; do
    for src in "$root"/src/"$d"/*.c; do
        obj="$out/obj/${d}_$(basename "${src%.c}").o"
        "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    done
done
ar rcs "$out/libmamori_fuzz.a" "$out"/obj/*.o

for t in "${targets[@]}"; do
    echo "build-libfuzzer: linking ${t}_fuzz"
    "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer \
        "$root/tests/fuzz/${t}_fuzz.c" "$out/libmamori_fuzz.a" \
        "${pkg_libs[@]}" -lm -o "$out/${t}_fuzz"
done

export MAMORI_DATA="$root/data"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for t in "${targets[@]}"; do
    work="$out/corpus/$t"
    # A fresh copy of the seeds each run, so the checked-in corpus is never modified.
    rm -rf "$work"
    mkdir -p "$work"
    cp -R "$root/tests/fuzz/corpus/$t/." "$work/"
    echo "build-libfuzzer: fuzzing $t for ${seconds}s ($(ls "$work" | wc -l) seeds)"
    if ! "$out/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/artifacts/${t}-" \
        "$work" >"$out/$t.log" 2>&1; then
        echo "build-libfuzzer: $t FAILED; log: $out/$t.log" >&2
        grep -E "^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" "$out/$t.log" \
            >&2 || tail -n 20 "$out/$t.log" >&2
        failed+=("$t")
        continue
    fi
    grep -E "^stat::number_of_executed_units|^Done" "$out/$t.log" | sed "s/^/  $t: /" || true
    echo "  $t: corpus now $(ls "$work" | wc -l) inputs"
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "build-libfuzzer: crashes in: ${failed[*]} (inputs in $out/artifacts/)" >&2
    exit 1
fi
echo "build-libfuzzer: ${#targets[@]} target(s) ran ${seconds}s each without a crash"
