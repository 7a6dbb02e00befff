#!/bin/sh
# Mamori collector: the operating system and installed packages of this host with their
# versions (checklist 2-⑥; the program list of 2-⑫). Rows: host, kind (os/software), product,
# version. The OS row comes from /etc/os-release (and /etc/debian_version for the point release);
# the kernel is a second os row; packages come from dpkg-query.
# Usage: sh updates.sh [-o FILE]
set -eu
MM_DIR=$(dirname "$0")
# shellcheck source=lib.sh
. "$MM_DIR/lib.sh"
mm_parse_args updates.sh "$@"

os_name='' os_version=''
if [ -r /etc/os-release ]; then
    os_name=$(. /etc/os-release && printf '%s' "${NAME:-}")
    os_version=$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")
fi
if [ -r /etc/debian_version ] && grep -q '^[0-9]' /etc/debian_version; then
    os_version=$(cat /etc/debian_version)
fi

{
    printf 'os\t%s\t%s\n' "${os_name:-Linux}" "${os_version:-unknown}"
    printf 'os\tLinux kernel\t%s\n' "$(uname -r)"
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\n' 2>/dev/null |
            awk -F'\t' '$1 ~ /^ii/ { print "software\t" $2 "\t" $3 }'
    fi
} | awk -F'\t' -v host="$MM_HOST" "$MM_AWK_JSON"'
    NF >= 3 && !($2 in seen) {
        seen[$2] = 1
        printf "{\"host\":%s,\"kind\":%s,\"product\":%s,\"version\":%s}\n", jstr(host), jstr($1), jstr($2), jstr($3)
    }' | mm_emit software | mm_write
