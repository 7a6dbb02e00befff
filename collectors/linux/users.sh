#!/bin/sh
# Mamori collector: local user accounts of this host (checklist 2-④, 2-⑤).
# Rows: system ("local:HOST"), login, enabled, last_logon (ISO-8601 UTC or null), admin (uid 0 or
# member of sudo/wheel/admin), mfa (null: not known from here), shared (null).
# Accounts listed: uid 0 and uid >= UID_MIN (login.defs, default 1000) except nobody.
# Run as root so /etc/shadow (locked passwords, expiry) can be read; without it an account
# counts as enabled when its shell allows logins.
# Usage: sh users.sh [-o FILE]
set -eu
MM_DIR=$(dirname "$0")
# shellcheck source=lib.sh
. "$MM_DIR/lib.sh"
mm_parse_args users.sh "$@"

uid_min=$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs 2>/dev/null || true)
[ -n "$uid_min" ] || uid_min=1000
shadow=/etc/shadow
[ -r "$shadow" ] || {
    echo "users.sh: cannot read /etc/shadow (run as root for lock and expiry state)" >&2
    shadow=/dev/null
}
today=$(($(date -u +%s) / 86400))

# Last logon per login: lastlog (Debian 12), else lastlog2 (Debian 13), else wtmp via last.
last_logon() {
    t=
    if command -v lastlog >/dev/null 2>&1; then
        t=$(lastlog -u "$1" 2>/dev/null | awk 'NR == 2 && $0 !~ /\*\*Never logged in\*\*/ {
            n = split($0, f, /[ \t]+/); print f[n-4], f[n-3], f[n-2], f[n-1], f[n] }')
    elif command -v lastlog2 >/dev/null 2>&1; then
        t=$(lastlog2 -u "$1" 2>/dev/null | awk 'NR == 2 && $0 !~ /Never logged in/ {
            n = split($0, f, /[ \t]+/); print f[n-4], f[n-3], f[n-2], f[n-1], f[n] }')
    fi
    if [ -z "$t" ] && command -v last >/dev/null 2>&1; then
        t=$(last -F -n 1 "$1" 2>/dev/null | awk 'NR == 1 && NF >= 8 && $1 != "" && $0 !~ /begins/ {
            print $4, $5, $6, $7, $8 }')
    fi
    [ -n "$t" ] || return 0
    date -u -d "$t" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true
}

admins=$(awk -F: '$1 == "sudo" || $1 == "wheel" || $1 == "admin" { print $3 " " $4 }' /etc/group)

awk -F: -v uid_min="$uid_min" '($3 == 0 || $3 >= uid_min) && $3 != 65534 { print $1 ":" $3 ":" $4 ":" $7 }' /etc/passwd |
    while IFS=: read -r login uid gid shell; do
        printf '%s\t%s\t%s\t%s\t%s\n' "$login" "$uid" "$gid" "$shell" "$(last_logon "$login")"
    done |
    awk -F'\t' -v shadowf="$shadow" -v today="$today" -v host="$MM_HOST" -v admins="$admins" "$MM_AWK_JSON"'
    BEGIN {
        while ((getline line < shadowf) > 0) {
            split(line, s, ":")
            pw[s[1]] = s[2]; expire[s[1]] = s[8]
        }
        n = split(admins, a, "\n")
        for (i = 1; i <= n; i++) {
            split(a[i], g, " ")
            admin_gid[g[1]] = 1
            m = split(g[2], mem, ",")
            for (k = 1; k <= m; k++) admin_user[mem[k]] = 1
        }
    }
    {
        login = $1; uid = $2; gid = $3; shell = $4; last = $5
        enabled = "true"
        if (shell ~ /(nologin|false)$/) enabled = "false"
        if ((login in pw) && pw[login] ~ /^[!*]/) enabled = "false"
        if ((login in expire) && expire[login] ~ /^[0-9]+$/ && expire[login] + 0 <= today) enabled = "false"
        admin = (uid == 0 || (gid in admin_gid) || (login in admin_user)) ? "true" : "false"
        printf "{\"system\":%s,\"login\":%s,\"enabled\":%s,\"last_logon\":%s,\"admin\":%s,\"mfa\":null,\"shared\":null}\n", jstr("local:" host), jstr(login), enabled, (last == "" ? "null" : jstr(last)), admin
    }' | mm_emit accounts | mm_write
