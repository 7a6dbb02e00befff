#!/bin/sh
# Mamori collector: whether USB storage can be used on this host (checklist 2-⑨).
# state blocked: the usb-storage module is blacklisted or its install is replaced by
# /bin/false or /bin/true in /etc/modprobe.d (or /lib/modprobe.d);
# allowlisted: USBGuard blocks devices by default and allows listed ones (devices = allow rules);
# none: neither. A module that is currently loaded despite a blacklist is still reported as
# blocked by configuration; reboot or `modprobe -r usb-storage` to apply.
# Usage: sh usb-policy.sh [-o FILE]
set -eu
MM_DIR=$(dirname "$0")
# shellcheck source=lib.sh
. "$MM_DIR/lib.sh"
mm_parse_args usb-policy.sh "$@"

state=none devices=''
conf=$(cat /etc/modprobe.d/*.conf /lib/modprobe.d/*.conf 2>/dev/null || true)
if printf '%s\n' "$conf" | grep -Eq '^[[:space:]]*(blacklist[[:space:]]+usb[-_]storage|install[[:space:]]+usb[-_]storage[[:space:]]+/(usr/)?bin/(false|true))([[:space:]]|$)'; then
    state=blocked
fi
if [ "$state" = none ] && [ -r /etc/usbguard/usbguard-daemon.conf ]; then
    target=$(awk -F= '$1 == "ImplicitPolicyTarget" { print $2 }' /etc/usbguard/usbguard-daemon.conf)
    if [ "$target" = block ] || [ "$target" = reject ]; then
        rules=0
        [ -r /etc/usbguard/rules.conf ] && rules=$(grep -c '^[[:space:]]*allow' /etc/usbguard/rules.conf || true)
        state=allowlisted
        devices="usbguard: $rules allow rules"
    fi
fi

printf '%s\n' "$MM_HOST" | awk -v state="$state" -v devices="$devices" "$MM_AWK_JSON"'
    { printf "{\"host\":%s,\"state\":%s,\"devices\":%s}\n", jstr($0), jstr(state), jstr(devices) }' |
    mm_emit media | mm_write
