/*
 * Syslog headers: RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG") and RFC 3164
 * ("<PRI>Mmm dd hh:mm:ss HOST TAG[pid]: MSG", also with an RFC 3339 time as rsyslog writes to
 * files). The message is then handed to the parser of its application (a table: sshd, Pulse /
 * Ivanti, and any FortiGate key=value or Pulse WELF text); a header with an unknown
 * application is an OTHER event.
 */
#include "logs_int.h"

/* Message parsers by application name (TAG / APP-NAME). */
static const struct {
    const char *app;
    mm_rc (*parse)(mm_parse_ctx *c, const char *msg, size_t len, mm_event *ev);
} app_parsers[] = {
    {"sshd", mm_parse_sshd_msg},
    {"PulseSecure", mm_parse_ivanti_msg}, /* Pulse Connect Secure's syslog tag */
    {"Juniper", mm_parse_ivanti_msg},     /* the same device before Pulse Secure */
    {"Ivanti", mm_parse_ivanti_msg},
};

static mm_rc dispatch(mm_parse_ctx *c, const char *app, size_t an, const char *msg, size_t mn,
                      mm_event *ev)
{
    ev->kind = MM_EVK_OTHER;
    ev->f[MM_EVF_ACTION] = mm_sv_make(app, an);
    for (size_t i = 0; i < MM_ARRAY_LEN(app_parsers); i++)
        if (strlen(app_parsers[i].app) == an && memcmp(app_parsers[i].app, app, an) == 0) {
            mm_event sub = *ev;
            if (app_parsers[i].parse(c, msg, mn, &sub) == MM_OK)
                *ev = sub;
            return MM_OK;
        }
    if (mm_memmem(msg, mn, "logid=", 6)) {
        mm_event sub = *ev;
        if (mm_parse_fortigate(c, msg, mn, &sub) == MM_OK)
            *ev = sub;
    } else if (mm_memmem(msg, mn, "id=firewall ", 12) ||
               (mn > 0 && msg[0] >= '0' && msg[0] <= '9' && mm_memmem(msg, mn, " - [", 4))) {
        /* Pulse/Ivanti WELF or plain text under another tag; kept OTHER unless it fits */
        mm_event sub = *ev;
        if (mm_parse_ivanti_msg(c, msg, mn, &sub) == MM_OK)
            *ev = sub;
    }
    return MM_OK;
}

/* "<PRI>" at the start; returns the bytes used (0 when absent or malformed). */
static size_t skip_pri(const char *p, size_t n)
{
    size_t i = 1;
    if (n < 3 || p[0] != '<')
        return 0;
    while (i < n && i <= 4 && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == 1 || i >= n || p[i] != '>')
        return 0;
    return i + 1;
}

static size_t token(const char *p, size_t n, size_t i)
{
    while (i < n && p[i] != ' ')
        i++;
    return i;
}

mm_rc mm_parse_rfc5424(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    size_t i = skip_pri(line, len), e;
    const char *app;
    size_t an;

    if (i == 0 || i + 2 > len || line[i] != '1' || line[i + 1] != ' ')
        return MM_ERR_PARSE;
    i += 2;
    e = token(line, len, i); /* TIMESTAMP */
    if (!(e - i == 1 && line[i] == '-')) {
        if (mm_time_parse_iso(line + i, e - i, c->tz_off_min, &ev->time_ms) != MM_OK)
            return MM_ERR_PARSE;
    }
    if (e >= len)
        return MM_ERR_PARSE;
    i = e + 1;
    e = token(line, len, i); /* HOSTNAME */
    if (!(e - i == 1 && line[i] == '-'))
        ev->f[MM_EVF_HOST] = mm_sv_make(line + i, e - i);
    if (e >= len)
        return MM_ERR_PARSE;
    i = e + 1;
    e = token(line, len, i); /* APP-NAME */
    app = line + i;
    an = e - i;
    if (an == 1 && app[0] == '-')
        an = 0;
    if (e >= len)
        return MM_ERR_PARSE;
    i = token(line, len, e + 1); /* PROCID */
    if (i >= len)
        return MM_ERR_PARSE;
    i = token(line, len, i + 1); /* MSGID */
    if (i >= len)
        return MM_ERR_PARSE;
    i++;
    if (i < len && line[i] == '-') {
        i++;
    } else if (i < len && line[i] == '[') { /* STRUCTURED-DATA: [..][..], \] escapes */
        while (i < len && line[i] == '[') {
            i++;
            while (i < len && line[i] != ']') {
                if (line[i] == '\\' && i + 1 < len)
                    i++;
                else if (line[i] == '"') { /* quoted PARAM-VALUE may hold ']' */
                    i++;
                    while (i < len && line[i] != '"') {
                        if (line[i] == '\\' && i + 1 < len)
                            i++;
                        i++;
                    }
                }
                i++;
            }
            if (i >= len)
                return MM_ERR_PARSE;
            i++;
        }
    } else {
        return MM_ERR_PARSE;
    }
    if (i < len && line[i] == ' ')
        i++;
    if (len - i >= 3 && memcmp(line + i, "\xEF\xBB\xBF", 3) == 0)
        i += 3;
    return dispatch(c, app, an, line + i, len - i, ev);
}

static int month_of(const char *p)
{
    switch (p[0]) {
    case 'J': return p[1] == 'a' ? 1 : p[2] == 'n' ? 6 : p[2] == 'l' ? 7 : 0;
    case 'F': return p[1] == 'e' ? 2 : 0;
    case 'M': return p[2] == 'r' ? 3 : p[2] == 'y' ? 5 : 0;
    case 'A': return p[1] == 'p' ? 4 : p[1] == 'u' ? 8 : 0;
    case 'S': return p[1] == 'e' ? 9 : 0;
    case 'O': return p[1] == 'c' ? 10 : 0;
    case 'N': return p[1] == 'o' ? 11 : 0;
    case 'D': return p[1] == 'e' ? 12 : 0;
    default: return 0;
    }
}

static int two(const char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "Mmm dd hh:mm:ss" with the year guessed from now (a date ahead of now is last year). */
static mm_rc bsd_time(mm_parse_ctx *c, const char *p, int64_t *ms)
{
    int mon = month_of(p), d, h, mi, s;
    int64_t now_local = c->now_ms / 1000 + (int64_t)c->tz_off_min * 60;
    int64_t days = now_local / 86400;
    int64_t y, t;

    if (!mon || p[3] != ' ')
        return MM_ERR_PARSE;
    d = p[4] == ' ' ? two((const char[]){'0', p[5]}) : two(p + 4);
    h = two(p + 7);
    mi = two(p + 10);
    s = two(p + 13);
    if (d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || p[6] != ' ' ||
        p[9] != ':' || p[12] != ':')
        return MM_ERR_PARSE;
    /* year of now in the local zone: 365.2425 days per year is close enough to pick it */
    y = 1970 + (days * 400) / 146097;
    if (mm_days_from_civil(y, 1, 1) > days)
        y--;
    else if (mm_days_from_civil(y + 1, 1, 1) <= days)
        y++;
    t = mm_days_from_civil(y, (unsigned)mon, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    if (t > now_local + 86400)
        t = mm_days_from_civil(y - 1, (unsigned)mon, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    *ms = (t - (int64_t)c->tz_off_min * 60) * 1000;
    return MM_OK;
}

mm_rc mm_parse_rfc3164(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    size_t i = skip_pri(line, len), e, tag;
    const char *app;
    size_t an;

    if (len - i >= 16 && line[i] >= 'A' && line[i] <= 'Z') {
        if (bsd_time(c, line + i, &ev->time_ms) != MM_OK || line[i + 15] != ' ')
            return MM_ERR_PARSE;
        i += 16;
    } else if (len - i >= 20 && line[i] >= '0' && line[i] <= '9') {
        e = token(line, len, i);
        if (mm_time_parse_iso(line + i, e - i, c->tz_off_min, &ev->time_ms) != MM_OK || e >= len)
            return MM_ERR_PARSE;
        i = e + 1;
    } else {
        return MM_ERR_PARSE;
    }
    e = token(line, len, i); /* HOSTNAME */
    if (e == i || e >= len)
        return MM_ERR_PARSE;
    ev->f[MM_EVF_HOST] = mm_sv_make(line + i, e - i);
    i = e + 1;
    /* TAG: up to '[', ':' or ' ' */
    tag = i;
    while (i < len && line[i] != '[' && line[i] != ':' && line[i] != ' ' && i - tag < 64)
        i++;
    app = line + tag;
    an = i - tag;
    if (i < len && line[i] == '[') {
        while (i < len && line[i] != ']')
            i++;
        if (i < len)
            i++;
    }
    if (i < len && line[i] == ':')
        i++;
    if (i < len && line[i] == ' ')
        i++;
    return dispatch(c, app, an, line + i, len - i, ev);
}

mm_rc mm_parse_syslog(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    size_t i = skip_pri(line, len);
    if (i > 0 && i + 1 < len && line[i] == '1' && line[i + 1] == ' ')
        return mm_parse_rfc5424(c, line, len, ev);
    if (mm_parse_rfc3164(c, line, len, ev) == MM_OK)
        return MM_OK;
    /* FortiGate sends "<189>date=... time=... devname=..." without a header; Pulse/Ivanti
     * "<134>id=firewall ..." likewise. */
    if (mm_memmem(line, len, "logid=", 6))
        return mm_parse_fortigate(c, line + i, len - i, ev);
    if (mm_memmem(line, len, "id=firewall ", 12))
        return mm_parse_ivanti_msg(c, line + i, len - i, ev);
    return MM_ERR_PARSE;
}
