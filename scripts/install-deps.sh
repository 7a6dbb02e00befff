#!/usr/bin/env bash
# Installs the Debian 12 packages Mamori needs, and only those that are missing.
# Usage: scripts/install-deps.sh [build|check|bench|all]   (default: build)
#   build  what `make demo` needs: compiler, CMake/Ninja, the libraries, the CJK font
#   check  build plus what the tests need: cmocka, openpyxl, poppler-utils, sqlite3, clang, clang-format (style test),
#          chromium (browser tests; Node.js and npm when npm is missing), rsyslog with
#          rsyslog-relp (the collector's RELP interop test and bench/bench_collect.sh)
#   bench  the benchmarks' peers: wrk, nginx, zstd, rsyslog (and GNU time)
# Idempotent: a second run installs nothing and only checks.
set -euo pipefail

what=${1:-build}

build_pkgs=(
    build-essential cmake ninja-build pkg-config
    libsqlite3-dev libjansson-dev libsodium-dev libinih-dev
    libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk
    libmicrohttpd-dev libgnutls28-dev liboath-dev libqrencode-dev
    libzstd-dev libevtx-dev libbfio-dev libexpat1-dev librelp-dev
)
check_pkgs=(
    libcmocka-dev python3 python3-openpyxl poppler-utils sqlite3 clang clang-format
    chromium openssl zstd rsyslog rsyslog-relp
)
# The browser tests install playwright-core with npm; a machine that already has Node.js with
# npm (e.g. from NodeSource) keeps it, otherwise Debian's nodejs and npm are installed.
if ! command -v npm >/dev/null 2>&1; then
    check_pkgs+=(nodejs npm)
fi
# `bench`: the web benchmark's load generator and its peer; zstd (CLI) and rsyslog for the
# log-store benchmark (bench/bench_logs.sh), and GNU time for its peak-memory figure;
# evtxexport (libevtx-utils) for bench_parsers.sh.
bench_pkgs=(wrk nginx-light zstd rsyslog time libevtx-utils)

case "$what" in
build) pkgs=("${build_pkgs[@]}") ;;
check) pkgs=("${build_pkgs[@]}" "${check_pkgs[@]}") ;;
bench) pkgs=("${bench_pkgs[@]}") ;;
all) pkgs=("${build_pkgs[@]}" "${check_pkgs[@]}" "${bench_pkgs[@]}") ;;
*)
    echo "install-deps.sh: unknown set '$what' (expected build, check, bench or all)" >&2
    exit 2
    ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#pkgs[@]} packages for '$what' are installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    $sudo apt-get update -qq
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
