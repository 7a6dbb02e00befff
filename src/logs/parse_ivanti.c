/*
 * Pulse Secure / Ivanti Connect Secure (formerly Juniper SSL VPN) logs in their two syslog
 * shapes: the WELF key=value line ("id=firewall time=\"...\" fw=... user=... realm=\"...\"
 * src=... msg=\"AUT22673: Logout from ...\"") and the plain one ("2025-11-20 09:15:02 - ive -
 * [203.0.113.5] yamada(Users)[Staff] - Login succeeded for yamada/Users ..."), each alone or
 * after a syslog header. The message text decides the kind (a table of documented phrases),
 * then the message id (a second table); anything else is an OTHER event with its raw line.
 *
 * Where the phrases and ids come from (checked 2026-11 with public pages; nothing copied):
 *  - "Login failed using auth server <name>. Reason: <reason>" is AUT23457 and "TOTP User <u>
 *    account from Realm <r> has been locked due to maximum number of invalid attempts" is
 *    USR31401: Ivanti's own "TOTP Server related Error Messages" page
 *    (help.ivanti.com/ps/help/en_US/IPS/vNow/em/totp-server-related-error-messages.htm). Sure.
 *  - The plain line layout "DATE TIME - NODE - [IP] USER(REALM)[ROLES] - TEXT" and the phrases
 *    "Login succeeded for U/R (session:..) from IP", "Login failed using auth server ...",
 *    "VPN Tunneling: Session started for user with IP ...", "... Session ended ...": sample
 *    lines in github.com/lyshie/juniper_sslvpn_log_parser (README). Sure of the phrases.
 *  - AUT24326 primary authentication successful, AUT24327 primary authentication failed,
 *    AUT22673 logout, AUT22886 session timed out, AUT31504 login succeeded, ADM22668 admin
 *    login succeeded, ADM22671 admin logout: the event id list of github.com/u-siem/
 *    usiem-pulsesecure (tested on 9.1R10). Less sure: a third party's list, used only when
 *    the text itself is not recognised. (That list also names AUT23457 a login failure, which
 *    agrees with Ivanti's page; an "AUT23457: Login succeeded" line is therefore decided by
 *    its text, which comes first.)
 *  - "Network Connect" is the earlier name of VPN Tunneling (Pulse / Juniper admin guides), so
 *    its "Session started/ended" phrases map the same way.
 * Not known, so OTHER: NWC/ERR/SYS/ADM ids outside the table whose text is not recognised.
 */
#include "logs_int.h"

/* What a phrase or an id means, and how to find the user in the text when no field names it. */
typedef struct ivanti_rule {
    const char *text; /* phrase searched in the message, or message id */
    uint8_t kind, outcome;
} ivanti_rule;

static const ivanti_rule phrases[] = {
    {"Login succeeded", MM_EVK_LOGON, MM_OUT_SUCCESS},
    {"Login failed", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},
    {"Primary authentication failed", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},
    {"Secondary authentication failed", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},
    {"Logout from", MM_EVK_LOGOFF, MM_OUT_SUCCESS},
    {"Session timed out", MM_EVK_LOGOFF, MM_OUT_SUCCESS},
    {"Max session timeout", MM_EVK_LOGOFF, MM_OUT_SUCCESS},
    {"VPN Tunneling: Session started", MM_EVK_VPN_UP, MM_OUT_SUCCESS},
    {"VPN Tunneling: Session ended", MM_EVK_VPN_DOWN, MM_OUT_SUCCESS},
    {"Network Connect: Session started", MM_EVK_VPN_UP, MM_OUT_SUCCESS},
    {"Network Connect: Session ended", MM_EVK_VPN_DOWN, MM_OUT_SUCCESS},
    {"has been locked", MM_EVK_ACCOUNT_LOCKED, MM_OUT_FAILURE},
};

static const ivanti_rule ids[] = {
    {"AUT23457", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},  /* Ivanti: login failed */
    {"USR31401", MM_EVK_ACCOUNT_LOCKED, MM_OUT_FAILURE}, /* Ivanti: TOTP account locked */
    {"AUT24327", MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE},  /* third party: primary auth failed */
    {"AUT22673", MM_EVK_LOGOFF, MM_OUT_SUCCESS},         /* third party: logout */
    {"AUT22886", MM_EVK_LOGOFF, MM_OUT_SUCCESS},         /* third party: session timed out */
    {"AUT31504", MM_EVK_LOGON, MM_OUT_SUCCESS},          /* third party: login succeeded */
    {"ADM22668", MM_EVK_LOGON, MM_OUT_SUCCESS},          /* third party: admin login */
    {"ADM22671", MM_EVK_LOGOFF, MM_OUT_SUCCESS},         /* third party: admin logout */
};

enum { K_TIME, K_FW, K_USER, K_REALM, K_SRC, K_MSG, K_ID, K__COUNT };

static const struct {
    const char *key;
    uint8_t len, slot;
} welf_keys[] = {
    {"time", 4, K_TIME}, {"fw", 2, K_FW},   {"user", 4, K_USER}, {"realm", 5, K_REALM},
    {"src", 3, K_SRC},   {"msg", 3, K_MSG}, {"id", 2, K_ID},
};

static int is_upper(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* "AUT23457: " at the start of text: the id's length (8), else 0. Three capitals, five digits. */
static size_t msg_id_len(const char *p, size_t n)
{
    if (n < 10 || !is_upper(p[0]) || !is_upper(p[1]) || !is_upper(p[2]))
        return 0;
    for (int i = 3; i < 8; i++)
        if (!is_digit(p[i]))
            return 0;
    return p[8] == ':' && p[9] == ' ' ? 8 : 0;
}

static mm_sv strip_dot(mm_sv v)
{
    while (v.n && (v.p[v.n - 1] == '.' || v.p[v.n - 1] == ','))
        v.n--;
    return v;
}

/* "Login succeeded for USER/REALM ..." or "... for USER ...": the user after " for ". */
static void user_from_text(const char *p, size_t n, mm_event *ev)
{
    const char *f = mm_memmem(p, n, " for ", 5), *s, *e;
    if (!f || ev->f[MM_EVF_USER].n)
        return;
    s = f + 5;
    if (MM_PREFIX(s, n - (size_t)(s - p), "user with "))
        return; /* "Session started for user with IP": no name here */
    e = s;
    while (e < p + n && *e != ' ' && *e != '/')
        e++;
    ev->f[MM_EVF_USER] = strip_dot(mm_sv_make(s, (size_t)(e - s)));
    if (e < p + n && *e == '/' && ev->f[MM_EVF_TARGET].n == 0) {
        /* the realm may hold spaces ("Admin Users"): up to " (session", " from " or the end */
        const char *r = ++e, *end = p + n;
        const char *q = mm_memmem(r, (size_t)(end - r), " (", 2);
        const char *f2 = mm_memmem(r, (size_t)(end - r), " from ", 6);
        if (q)
            end = q;
        if (f2 && f2 < end)
            end = f2;
        ev->f[MM_EVF_TARGET] = strip_dot(mm_sv_make(r, (size_t)(end - r)));
    }
}

/* "from 203.0.113.5" in the text, when no field gave the source. */
static void src_from_text(const char *p, size_t n, mm_event *ev)
{
    const char *f = mm_memmem(p, n, " from ", 6), *s, *e;
    if (!f || ev->f[MM_EVF_SRC].n)
        return;
    s = f + 6;
    e = s;
    while (e < p + n && *e != ' ' && *e != '(')
        e++;
    ev->f[MM_EVF_SRC] = strip_dot(mm_sv_make(s, (size_t)(e - s)));
}

/* Sets kind, outcome, action, and user/source/realm found in the text (after any "AUT12345: "). */
static void classify(const char *p, size_t n, mm_event *ev)
{
    size_t idl = msg_id_len(p, n);
    mm_sv id = mm_sv_make(p, idl);

    if (idl) {
        p += idl + 2;
        n -= idl + 2;
    }
    ev->kind = MM_EVK_OTHER;
    ev->outcome = MM_OUT_UNKNOWN;
    ev->f[MM_EVF_ACTION] = id;
    for (size_t i = 0; i < MM_ARRAY_LEN(phrases); i++)
        if (mm_memmem(p, n, phrases[i].text, strlen(phrases[i].text))) {
            ev->kind = phrases[i].kind;
            ev->outcome = phrases[i].outcome;
            if (!idl)
                ev->f[MM_EVF_ACTION] = mm_sv_make(phrases[i].text, strlen(phrases[i].text));
            break;
        }
    if (ev->kind == MM_EVK_OTHER && idl)
        for (size_t i = 0; i < MM_ARRAY_LEN(ids); i++)
            if (mm_sv_eq(id, ids[i].text)) {
                ev->kind = ids[i].kind;
                ev->outcome = ids[i].outcome;
                break;
            }
    if (ev->kind == MM_EVK_OTHER)
        return;
    if (ev->kind == MM_EVK_ACCOUNT_LOCKED) { /* "TOTP User U account from Realm R has been" */
        const char *u = mm_memmem(p, n, "User ", 5);
        if (u && ev->f[MM_EVF_USER].n == 0) {
            const char *e = u + 5;
            while (e < p + n && *e != ' ')
                e++;
            ev->f[MM_EVF_USER] = mm_sv_make(u + 5, (size_t)(e - u - 5));
        }
        return;
    }
    user_from_text(p, n, ev);
    if (ev->kind == MM_EVK_LOGON || ev->kind == MM_EVK_LOGOFF)
        src_from_text(p, n, ev);
}

/* "2025-11-20 09:15:02" in the context's zone (the device writes local time without a zone). */
static void set_time(mm_parse_ctx *c, const char *p, size_t n, mm_event *ev)
{
    int64_t ms;
    if (n >= 19 && mm_time_parse_iso(p, 19, c->tz_off_min, &ms) == MM_OK)
        ev->time_ms = ms;
}

static mm_sv unset_user(mm_sv v)
{
    if (mm_sv_eq(v, "System") || mm_sv_eq(v, "-"))
        v.n = 0;
    return v;
}

/* The WELF line: key=value pairs, values maybe quoted. MM_ERR_PARSE unless id=firewall and a
 * msg are present. */
static mm_rc parse_welf(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    mm_sv v[K__COUNT], key, val;
    size_t i = 0;
    int r;

    memset(v, 0, sizeof(v));
    while ((r = mm_kv_next(line, len, &i, 0, &key, &val)) != 0) {
        if (r < 0) /* an unterminated quote: a truncated line */
            return MM_ERR_PARSE;
        for (size_t k = 0; k < MM_ARRAY_LEN(welf_keys); k++)
            if (welf_keys[k].len == key.n && memcmp(welf_keys[k].key, key.p, key.n) == 0)
                v[welf_keys[k].slot] = val;
    }
    if (!mm_sv_eq(v[K_ID], "firewall") || v[K_MSG].n == 0)
        return MM_ERR_PARSE;
    set_time(c, v[K_TIME].p, v[K_TIME].n, ev);
    if (v[K_FW].n && ev->f[MM_EVF_HOST].n == 0) /* the syslog HOSTNAME, when there was one */
        ev->f[MM_EVF_HOST] = v[K_FW];
    ev->f[MM_EVF_USER] = unset_user(v[K_USER]);
    ev->f[MM_EVF_SRC] = v[K_SRC];
    ev->f[MM_EVF_TARGET] = v[K_REALM];
    classify(v[K_MSG].p, v[K_MSG].n, ev);
    return MM_OK;
}

/* The plain text: "DATE TIME - NODE - [IP] USER(REALM)[ROLES] - TEXT". */
static mm_rc parse_plain(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    const char *p = line, *end = line + len, *q, *open, *close;
    int64_t ms;

    if (len < 19 + 3 || mm_time_parse_iso(p, 19, c->tz_off_min, &ms) != MM_OK ||
        !MM_PREFIX(p + 19, len - 19, " - "))
        return MM_ERR_PARSE;
    p += 22;
    q = mm_memmem(p, (size_t)(end - p), " - [", 4); /* after the node name */
    if (!q)
        return MM_ERR_PARSE;
    p = q + 4;
    close = memchr(p, ']', (size_t)(end - p));
    if (!close)
        return MM_ERR_PARSE;
    ev->time_ms = ms;
    ev->f[MM_EVF_SRC] = mm_sv_make(p, (size_t)(close - p));
    p = close + 1;
    if (p < end && *p == ' ')
        p++;
    q = mm_memmem(p, (size_t)(end - p), " - ", 3); /* end of USER(REALM)[ROLES] */
    if (!q)
        return MM_ERR_PARSE;
    open = memchr(p, '(', (size_t)(q - p));
    close = open ? memchr(open, ')', (size_t)(q - open)) : NULL;
    if (open && close) {
        const char *u = p;
        const char *colons = mm_memmem(p, (size_t)(open - p), "::", 2); /* "SAMPLE::user" */
        if (colons)
            u = colons + 2;
        ev->f[MM_EVF_USER] = unset_user(mm_sv_make(u, (size_t)(open - u)));
        ev->f[MM_EVF_TARGET] = mm_sv_make(open + 1, (size_t)(close - open - 1));
    }
    p = q + 3;
    classify(p, (size_t)(end - p), ev);
    return MM_OK;
}

mm_rc mm_parse_ivanti_msg(mm_parse_ctx *c, const char *msg, size_t len, mm_event *ev)
{
    if (MM_PREFIX(msg, len, "id=firewall ") || mm_memmem(msg, len, " id=firewall ", 13))
        return parse_welf(c, msg, len, ev);
    return parse_plain(c, msg, len, ev);
}

mm_rc mm_parse_ivanti(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    size_t i = 0;

    if (len > 2 && line[0] == '<') { /* "<134>id=firewall ...": a PRI without a header */
        const char *gt = memchr(line, '>', len < 6 ? len : 6);
        if (gt)
            i = (size_t)(gt - line) + 1;
    }
    /* Without a syslog header the line starts with the WELF "id=" or the plain date. */
    if (MM_PREFIX(line + i, len - i, "id=firewall "))
        return parse_welf(c, line + i, len - i, ev);
    if (len - i >= 19 && is_digit(line[i]) && line[i + 4] == '-')
        return parse_plain(c, line + i, len - i, ev);
    /* A syslog header: the syslog parser hands Pulse/Ivanti messages back to us (by tag, or by
     * the message's shape). */
    return mm_parse_syslog(c, line, len, ev);
}
