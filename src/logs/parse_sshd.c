/*
 * OpenSSH server messages as they reach syslog: accepted and failed authentication, invalid
 * users, session close and disconnects. Everything else from sshd is an OTHER event. A table
 * of message prefixes maps to the kind; each row says where the user and source address are.
 */
#include "logs_int.h"

/* Sets user and source from "USER from ADDR port N" (or "USER ADDR port N" when no_from). */
static int user_from(const char *p, size_t n, int no_from, mm_event *ev)
{
    const char *f = no_from ? memchr(p, ' ', n) : mm_memmem(p, n, " from ", 6);
    const char *a, *e;
    if (!f)
        return 0;
    ev->f[MM_EVF_USER] = mm_sv_make(p, (size_t)(f - p));
    a = f + (no_from ? 1 : 6);
    e = memchr(a, ' ', n - (size_t)(a - p));
    ev->f[MM_EVF_SRC] = mm_sv_make(a, e ? (size_t)(e - a) : n - (size_t)(a - p));
    return 1;
}

typedef struct sshd_rule {
    const char *prefix;
    uint8_t plen;
    uint8_t kind, outcome;
    uint8_t how; /* 0: "METHOD for [invalid user ]USER from ADDR", 1: "USER from ADDR",
                    2: "for user USER", 3: "user USER ADDR port" */
} sshd_rule;

#define R(s, k, o, h)                                                                              \
    {                                                                                              \
        s, sizeof(s) - 1, k, o, h                                                                  \
    }
static const sshd_rule rules[] = {
    R("Accepted ", MM_EVK_LOGON, MM_OUT_SUCCESS, 0),
    R("Failed ", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, 0),
    R("Invalid user ", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, 1),
    R("pam_unix(sshd:session): session closed for user ", MM_EVK_LOGOFF, MM_OUT_SUCCESS, 2),
    R("Disconnected from user ", MM_EVK_LOGOFF, MM_OUT_SUCCESS, 3),
};
#undef R

mm_rc mm_parse_sshd_msg(mm_parse_ctx *c, const char *msg, size_t len, mm_event *ev)
{
    (void)c;
    for (size_t i = 0; i < MM_ARRAY_LEN(rules); i++) {
        const sshd_rule *r = &rules[i];
        const char *p;
        size_t n;
        if (!mm_has_prefix(msg, len, r->prefix, r->plen))
            continue;
        p = msg + r->plen;
        n = len - r->plen;
        ev->kind = r->kind;
        ev->outcome = r->outcome;
        switch (r->how) {
        case 0: { /* "password for [invalid user ]alice from 1.2.3.4 port 22 ssh2" */
            const char *f = mm_memmem(p, n, " for ", 5);
            if (!f)
                return MM_ERR_PARSE;
            ev->f[MM_EVF_ACTION] = mm_sv_make(msg, (size_t)(f - msg));
            n -= (size_t)(f + 5 - p);
            p = f + 5;
            if (MM_PREFIX(p, n, "invalid user ")) {
                p += 13;
                n -= 13;
            }
            if (!user_from(p, n, 0, ev))
                return MM_ERR_PARSE;
            break;
        }
        case 1:
            ev->f[MM_EVF_ACTION] = mm_sv_make(msg, r->plen - 1);
            if (!user_from(p, n, 0, ev))
                return MM_ERR_PARSE;
            break;
        case 2: {
            const char *e = memchr(p, '(', n); /* "alice(uid=1000)" on newer systems */
            ev->f[MM_EVF_ACTION] = MM_SV_LIT("session closed");
            ev->f[MM_EVF_USER] = mm_sv_make(p, e ? (size_t)(e - p) : n);
            break;
        }
        case 3:
            ev->f[MM_EVF_ACTION] = MM_SV_LIT("disconnected");
            if (!user_from(p, n, 1, ev))
                return MM_ERR_PARSE;
            break;
        default: break;
        }
        return MM_OK;
    }
    ev->kind = MM_EVK_OTHER;
    ev->f[MM_EVF_ACTION] = MM_SV_LIT("sshd");
    return MM_OK;
}

mm_rc mm_parse_sshd(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    if (mm_parse_syslog(c, line, len, ev) == MM_OK)
        return MM_OK;
    /* A bare message (no header): only lines sshd would write. */
    mm_parse_sshd_msg(c, line, len, ev);
    return ev->kind == MM_EVK_OTHER ? MM_ERR_PARSE : MM_OK;
}
