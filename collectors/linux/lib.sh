# shellcheck shell=sh
# Shared by the Mamori Linux collectors (sourced, not run). POSIX sh.
# Every collector writes one JSON document in the envelope
#   {"mamori_collector": KIND, "version": 1, "host": HOST, "taken": ISO-8601 UTC, "rows": [...]}
# to standard output (or to the file given with -o FILE), in UTF-8, independent of the locale.

# Collector output never depends on the user's language.
LC_ALL=C
export LC_ALL

MM_HOST=$(uname -n)
MM_TAKEN=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# awk functions shared by the collectors: jstr(s) quotes and escapes a JSON string.
# shellcheck disable=SC2016 # awk code, not shell
MM_AWK_JSON='
function jinit(   i) {
    for (i = 1; i < 32; i++) JCTL[sprintf("%c", i)] = sprintf("\\u%04x", i)
    JCTL["\t"] = "\\t"; JCTL["\n"] = "\\n"; JCTL["\r"] = "\\r"
}
function jstr(s,   out, i, c, n) {
    if (!("\t" in JCTL)) jinit()
    out = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\\") out = out "\\\\"
        else if (c == "\"") out = out "\\\""
        else if (c in JCTL) out = out JCTL[c]
        else out = out c
    }
    return "\"" out "\""
}
function jnum_or_null(s) { return (s ~ /^-?[0-9]+$/) ? s + 0 : "null" }
'

# mm_usage NAME: prints the usage line every collector shares.
mm_usage() {
    printf 'usage: %s [-o FILE]\n' "$1" >&2
    printf '  Writes Mamori collector JSON to FILE (default: standard output).\n' >&2
}

# mm_parse_args NAME "$@": sets MM_OUT (empty = stdout).
mm_parse_args() {
    mm_name=$1
    shift
    MM_OUT=
    while [ $# -gt 0 ]; do
        case $1 in
        -o)
            [ $# -ge 2 ] || { mm_usage "$mm_name"; exit 2; }
            MM_OUT=$2
            shift 2
            ;;
        -h | --help)
            mm_usage "$mm_name"
            exit 0
            ;;
        *)
            mm_usage "$mm_name"
            exit 2
            ;;
        esac
    done
}

# mm_emit KIND: reads rows (one JSON object per line) on stdin and writes the envelope.
mm_emit() {
    awk -v kind="$1" -v host="$MM_HOST" -v taken="$MM_TAKEN" "$MM_AWK_JSON"'
        BEGIN { printf "{\"mamori_collector\":%s,\"version\":1,\"host\":%s,\"taken\":%s,\"rows\":[", jstr(kind), jstr(host), jstr(taken); n = 0 }
        NF { printf "%s\n%s", (n++ ? "," : ""), $0 }
        END { printf "\n]}\n" }'
}

# mm_write: sends stdin to MM_OUT (atomically: temporary file, then rename) or stdout.
mm_write() {
    if [ -z "$MM_OUT" ]; then
        cat
        return
    fi
    mm_tmp="$MM_OUT.tmp.$$"
    cat >"$mm_tmp" && mv -f "$mm_tmp" "$MM_OUT"
}
