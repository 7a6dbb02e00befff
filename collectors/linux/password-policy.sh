#!/bin/sh
# Mamori collector: the password policy of this host (checklist 2-⑦, 2-⑧, 2-⑩).
# One row, system "local:HOST": min_length (pam_pwquality minlen, else pam_unix minlen, else the
# module default), classes (pwquality minclass, null when not set), max_age_days (login.defs
# PASS_MAX_DAYS; 99999 = never = 0), history (pam_pwhistory / pam_unix remember), lockout_threshold
# (pam_faillock / pam_tally2 deny, 0 = no lockout), mfa (true when an OTP/U2F PAM module is used
# for logins, else null).
# Usage: sh password-policy.sh [-o FILE]
set -eu
MM_DIR=$(dirname "$0")
# shellcheck source=lib.sh
. "$MM_DIR/lib.sh"
mm_parse_args password-policy.sh "$@"

pam=/etc/pam.d
# pam_arg FILE MODULE KEY: the value of KEY=... on the first active line using MODULE.
pam_arg() {
    [ -r "$1" ] || return 0
    awk -v mod="$2" -v key="$3" '
        $0 !~ /^[ \t]*#/ && index($0, mod) {
            for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) { print substr($i, length(key) + 2); exit }
        }' "$1"
}
uses() { [ -r "$1" ] && grep -Eq "^[[:space:]]*[^#].*$2" "$1"; }
# conf_val FILE KEY: "key = value" files (pwquality.conf, faillock.conf).
conf_val() {
    [ -r "$1" ] || return 0
    awk -F= -v key="$2" '{ k = $1; gsub(/[ \t]/, "", k) } k == key && $0 !~ /^[ \t]*#/ { v = $2; gsub(/[ \t]/, "", v); print v; exit }' "$1"
}

min_length='' classes='' history=0 lockout=0 mfa=null
if uses "$pam/common-password" pam_pwquality; then
    min_length=$(pam_arg "$pam/common-password" pam_pwquality minlen)
    [ -n "$min_length" ] || min_length=$(conf_val /etc/security/pwquality.conf minlen)
    [ -n "$min_length" ] || min_length=8 # libpwquality's default
    classes=$(pam_arg "$pam/common-password" pam_pwquality minclass)
    [ -n "$classes" ] || classes=$(conf_val /etc/security/pwquality.conf minclass)
else
    min_length=$(pam_arg "$pam/common-password" pam_unix minlen)
    [ -n "$min_length" ] || min_length=6 # pam_unix's default
fi
case $classes in [1-4]) ;; *) classes= ;; esac
h=$(pam_arg "$pam/common-password" pam_pwhistory remember)
[ -n "$h" ] || h=$(pam_arg "$pam/common-password" pam_unix remember)
[ -n "$h" ] && history=$h
if uses "$pam/common-auth" pam_faillock; then
    lockout=$(pam_arg "$pam/common-auth" pam_faillock deny)
    [ -n "$lockout" ] || lockout=$(conf_val /etc/security/faillock.conf deny)
    [ -n "$lockout" ] || lockout=3 # pam_faillock's default
elif uses "$pam/common-auth" pam_tally2; then
    lockout=$(pam_arg "$pam/common-auth" pam_tally2 deny)
    [ -n "$lockout" ] || lockout=0
fi
max_age=$(awk '$1 == "PASS_MAX_DAYS" { print $2 }' /etc/login.defs 2>/dev/null || true)
case $max_age in '' | 99999 | -1) max_age=0 ;; esac
for f in "$pam/common-auth" "$pam/sshd" "$pam/login"; do
    if uses "$f" 'pam_(google_authenticator|oath|u2f|yubico)'; then mfa=true; fi
done

printf '%s\n' "$MM_HOST" | awk -v min="$min_length" -v cls="$classes" -v age="$max_age" \
    -v hist="$history" -v lock="$lockout" -v mfa="$mfa" "$MM_AWK_JSON"'
    { printf "{\"system\":%s,\"min_length\":%s,\"classes\":%s,\"max_age_days\":%s,\"history\":%s,\"lockout_threshold\":%s,\"mfa\":%s}\n", jstr("local:" $0), jnum_or_null(min), jnum_or_null(cls), jnum_or_null(age), jnum_or_null(hist), jnum_or_null(lock), mfa }' |
    mm_emit password-policies | mm_write
