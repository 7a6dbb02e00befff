#!/bin/sh
# Mamori collector: the systemd services of this host and their state (checklist 2-⑫).
# Combines `systemctl list-units --type=service --all` (is it running?) with
# `systemctl list-unit-files --type=service` (does it start at boot?). Without a running
# systemd (containers, rescue shells) the unit files are still listed, with status Unknown.
# Usage: sh services.sh [-o FILE]     (root not required)
set -eu
MM_DIR=$(dirname "$0")
# shellcheck source=lib.sh
. "$MM_DIR/lib.sh"
mm_parse_args services.sh "$@"

command -v systemctl >/dev/null 2>&1 || {
    echo "services.sh: systemctl not found (this collector needs systemd)" >&2
    exit 1
}

units=$(systemctl list-units --type=service --all --no-legend --plain --no-pager 2>/dev/null || true)
files=$(systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null || true)
if [ -z "$units" ] && [ -z "$files" ]; then
    echo "services.sh: systemctl listed no services" >&2
    exit 1
fi

{
    printf '%s\n' "$units" | sed 's/^/U /'
    printf '%s\n' "$files" | sed 's/^/F /'
} | awk -v have_units="$([ -n "$units" ] && echo 1 || echo 0)" "$MM_AWK_JSON"'
    function status(active, sub_) {
        if (active == "active") return sub_ == "exited" ? "Exited" : "Running"
        if (active == "reloading" || active == "refreshing") return "Running"
        if (active == "inactive" || active == "maintenance") return "Stopped"
        if (active == "failed") return "Failed"
        if (active == "activating") return "StartPending"
        if (active == "deactivating") return "StopPending"
        return "Unknown"
    }
    function start(state) {
        if (state ~ /^(enabled|enabled-runtime|generated)$/) return "Automatic"
        if (state ~ /^(disabled|indirect|linked|linked-runtime|transient)$/) return "Manual"
        if (state == "static") return "Static"
        if (state ~ /^masked/) return "Disabled"
        return ""
    }
    $1 == "U" {
        f = 2
        if ($f == "\342\227\217" || $f == "*") f++
        unit = $f; load = $(f + 1); active = $(f + 2); sub_ = $(f + 3)
        if (unit !~ /\.service$/ || load == "not-found") next
        desc = $0
        for (i = 1; i <= f + 3; i++) sub(/^[ \t]*[^ \t]+/, "", desc)
        sub(/^[ \t]+/, "", desc)
        if (!(unit in seen)) { seen[unit] = 1; order[++n] = unit }
        st[unit] = status(active, sub_)
        dn[unit] = desc
        if (load == "masked") sty[unit] = "Disabled"
        next
    }
    $1 == "F" {
        unit = $2; state = $3
        if (unit !~ /\.service$/ || unit ~ /@\.service$/ || state == "alias") next
        if (!(unit in seen)) { seen[unit] = 1; order[++n] = unit }
        if (!(unit in sty) || sty[unit] == "") sty[unit] = start(state)
        next
    }
    END {
        for (i = 1; i <= n; i++) {
            u = order[i]
            s = (u in st) ? st[u] : (have_units ? "Stopped" : "Unknown")
            printf "{\"name\":%s,\"display_name\":%s,\"status\":%s,\"start_type\":%s}\n", jstr(u), jstr(dn[u]), jstr(s), jstr(sty[u])
        }
    }' | mm_emit services | mm_write
