/*
 * FortiGate (FortiOS) key=value logs: SSL-VPN tunnel up/down and login failures, and
 * administrator logins, logouts and new administrators. The log id decides the kind (table
 * below, from the FortiOS Log Message Reference); the action word is the fallback for
 * releases that number differently. Quoted values may hold spaces; nothing is copied.
 */
#include "logs_int.h"

enum {
    K_DATE,
    K_TIME,
    K_TZ,
    K_DEVNAME,
    K_LOGID,
    K_ACTION,
    K_USER,
    K_REMIP,
    K_SRCIP,
    K_CFGPATH,
    K_CFGOBJ,
    K_UI,
    K_STATUS,
    K_SUBTYPE,
    K_EVENTTIME,
    K__COUNT
};

static const struct {
    const char *key;
    uint8_t len;
    uint8_t slot;
} keys[] = {
    {"date", 4, K_DATE},       {"time", 4, K_TIME},       {"tz", 2, K_TZ},
    {"devname", 7, K_DEVNAME}, {"logid", 5, K_LOGID},     {"action", 6, K_ACTION},
    {"user", 4, K_USER},       {"remip", 5, K_REMIP},     {"srcip", 5, K_SRCIP},
    {"cfgpath", 7, K_CFGPATH}, {"cfgobj", 6, K_CFGOBJ},   {"ui", 2, K_UI},
    {"status", 6, K_STATUS},   {"subtype", 7, K_SUBTYPE}, {"eventtime", 9, K_EVENTTIME},
};

/* Log ids (10 digits as FortiOS writes them in logid="...") → kind. */
static const struct {
    const char *logid;
    uint8_t kind, outcome;
} logids[] = {
    {"0101039424", MM_EVK_VPN_UP, MM_OUT_SUCCESS},        /* SSL VPN tunnel up */
    {"0101039425", MM_EVK_VPN_DOWN, MM_OUT_SUCCESS},      /* SSL VPN tunnel down */
    {"0101039426", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE}, /* SSL VPN login fail */
    {"0100032001", MM_EVK_LOGON, MM_OUT_SUCCESS},         /* admin login successful */
    {"0100032002", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE}, /* admin login failed */
    {"0100032003", MM_EVK_LOGOFF, MM_OUT_SUCCESS},        /* admin logout */
};

/* action= words → kind, when the log id is not in the table. */
static const struct {
    const char *action;
    uint8_t kind, outcome;
} actions[] = {
    {"tunnel-up", MM_EVK_VPN_UP, MM_OUT_SUCCESS},
    {"tunnel-down", MM_EVK_VPN_DOWN, MM_OUT_SUCCESS},
    {"ssl-login-fail", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},
};

static int key_slot(const char *k, size_t n)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(keys); i++)
        if (keys[i].len == n && keys[i].key[0] == k[0] && memcmp(keys[i].key, k, n) == 0)
            return keys[i].slot;
    return -1;
}

/* FortiOS tz is "+0900"; returns minutes east, or def when absent or malformed. */
static int tz_minutes(mm_sv tz, int def)
{
    const char *p = tz.p;
    int v;
    if (tz.n != 5 || (p[0] != '+' && p[0] != '-'))
        return def;
    for (int i = 1; i < 5; i++)
        if (p[i] < '0' || p[i] > '9')
            return def;
    v = ((p[1] - '0') * 10 + (p[2] - '0')) * 60 + (p[3] - '0') * 10 + (p[4] - '0');
    return p[0] == '-' ? -v : v;
}

mm_rc mm_parse_fortigate(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    mm_sv v[K__COUNT], key, val;
    size_t i = 0;
    int pairs = 0;

    memset(v, 0, sizeof(v));
    if (len > 2 && line[0] == '<') { /* "<189>date=…": the syslog PRI without a header */
        const char *gt = memchr(line, '>', len < 6 ? len : 6);
        if (gt)
            i = (size_t)(gt - line) + 1;
    }
    while (mm_kv_next(line, len, &i, 1, &key, &val) != 0) { /* a cut quote runs to the end */
        int slot = key_slot(key.p, key.n);
        pairs++;
        if (slot >= 0)
            v[slot] = val;
    }
    if (pairs < 3 || v[K_LOGID].n == 0)
        return MM_ERR_PARSE;

    /* Time: date + time in tz (or the context's zone). */
    if (v[K_DATE].n == 10 && v[K_TIME].n >= 8) {
        char buf[40];
        int64_t ms;
        int off = tz_minutes(v[K_TZ], c->tz_off_min);
        /* "dateTtime" (at most 10 and 8 bytes, to a NUL), put together without printf */
        size_t dn = strnlen(v[K_DATE].p, 10), tn = strnlen(v[K_TIME].p, 8);
        memcpy(buf, v[K_DATE].p, dn);
        buf[dn] = 'T';
        memcpy(buf + dn + 1, v[K_TIME].p, tn);
        buf[dn + 1 + tn] = '\0';
        if (mm_time_parse_iso(buf, dn + 1 + tn, off, &ms) == MM_OK)
            ev->time_ms = ms;
    }

    ev->kind = MM_EVK_OTHER;
    for (size_t k = 0; k < MM_ARRAY_LEN(logids); k++)
        if (mm_sv_eq(v[K_LOGID], logids[k].logid)) {
            ev->kind = logids[k].kind;
            ev->outcome = logids[k].outcome;
            break;
        }
    if (ev->kind == MM_EVK_OTHER)
        for (size_t k = 0; k < MM_ARRAY_LEN(actions); k++)
            if (mm_sv_eq(v[K_ACTION], actions[k].action)) {
                ev->kind = actions[k].kind;
                ev->outcome = actions[k].outcome;
                break;
            }
    if (ev->kind == MM_EVK_OTHER && mm_sv_eq(v[K_CFGPATH], "system.admin") &&
        (mm_sv_eq(v[K_ACTION], "Add") || mm_sv_eq(v[K_ACTION], "add"))) {
        ev->kind = MM_EVK_ADMIN_CREATED;
        ev->outcome = MM_OUT_SUCCESS;
        ev->f[MM_EVF_TARGET] = v[K_CFGOBJ];
    }
    if (ev->kind == MM_EVK_LOGON && mm_sv_eq(v[K_STATUS], "failed")) {
        ev->kind = MM_EVK_LOGON_FAILURE;
        ev->outcome = MM_OUT_FAILURE;
    }

    ev->f[MM_EVF_HOST] = v[K_DEVNAME].n ? v[K_DEVNAME] : ev->f[MM_EVF_HOST];
    ev->f[MM_EVF_DEVICE] = v[K_DEVNAME];
    ev->f[MM_EVF_USER] = mm_sv_eq(v[K_USER], "N/A") ? (mm_sv){"", 0} : v[K_USER];
    ev->f[MM_EVF_SRC] = v[K_REMIP].n ? v[K_REMIP] : v[K_SRCIP];
    if (ev->kind != MM_EVK_ADMIN_CREATED && v[K_UI].n)
        ev->f[MM_EVF_TARGET] = v[K_UI];
    ev->f[MM_EVF_ACTION] = v[K_ACTION].n ? v[K_ACTION] : v[K_LOGID];
    (void)v[K_SUBTYPE];
    (void)v[K_EVENTTIME];
    return MM_OK;
}
