/*
 * The parser registry: one row per --format. mm_log_parse wraps every parser with what they
 * all share: the raw view, the scratch reset, the default device and the rule that a line no
 * parser understands is kept as an UNPARSED event (never dropped).
 */
#include "logs_int.h"

static mm_rc parse_auto(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);

const mm_log_parser mm_log_parsers[] = {
    {"syslog", "syslog (RFC 5424 or RFC 3164 header; sshd and FortiGate messages inside)",
     mm_parse_syslog},
    {"rfc5424", "syslog with an RFC 5424 header only", mm_parse_rfc5424},
    {"rfc3164", "syslog with an RFC 3164 (BSD) header only, e.g. /var/log/auth.log",
     mm_parse_rfc3164},
    {"sshd", "OpenSSH auth lines (auth.log, journalctl -u ssh -o short-iso)", mm_parse_sshd},
    {"fortigate", "FortiGate key=value logs (SSL-VPN, admin logins), with or without syslog",
     mm_parse_fortigate},
    {"windows-json", "Windows Security events as JSON lines (one event object per line)",
     mm_parse_winjson},
    {"emr-csv", "EMR access log CSV: time, user, patient id, action, terminal", mm_parse_emr_csv},
    {"auto", "decide per line: JSON, FortiGate key=value, Pulse/Ivanti WELF, or syslog",
     parse_auto},
    /* New rows go here, at the end: stored events keep the row's index as their format. */
    {"ivanti",
     "Pulse Secure / Ivanti Connect Secure (WELF id=firewall or plain, with or without "
     "syslog)",
     mm_parse_ivanti},
    {"evtx",
     "Windows .evtx files (libevtx; `logs import` only), or one event's XML per line as "
     "rendered from them",
     mm_parse_evtx_xml},
};

const size_t mm_log_parsers_len = MM_ARRAY_LEN(mm_log_parsers);

const mm_log_parser *mm_log_parser_find(const char *name, int *index)
{
    for (size_t i = 0; i < mm_log_parsers_len; i++)
        if (strcmp(mm_log_parsers[i].name, name) == 0) {
            if (index)
                *index = (int)i;
            return &mm_log_parsers[i];
        }
    return NULL;
}

static mm_rc parse_auto(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] == '{')
        return mm_parse_winjson(c, line, len, ev);
    if (mm_memmem(line, len, "logid=", 6))
        return mm_parse_fortigate(c, line, len, ev);
    if (mm_memmem(line, len, "id=firewall ", 12))
        return mm_parse_ivanti(c, line, len, ev);
    return mm_parse_syslog(c, line, len, ev);
}

void mm_parse_ctx_init(mm_parse_ctx *c, int64_t now_ms, int tz_off_min, const char *device)
{
    memset(c, 0, sizeof(*c));
    c->now_ms = now_ms;
    c->tz_off_min = tz_off_min;
    c->device = device && *device ? device : NULL;
}

mm_rc mm_log_parse(mm_parse_ctx *c, const mm_log_parser *p, int idx, const char *line, size_t len,
                   mm_event *ev)
{
    mm_rc rc;

    mm_event_clear(ev);
    c->scratch_used = 0;
    ev->f[MM_EVF_RAW] = mm_sv_make(line, len);
    ev->format = (uint8_t)idx;
    rc = p->parse(c, line, len, ev);
    if (rc == MM_AGAIN)
        return MM_AGAIN;
    if (rc != MM_OK) {
        /* Not understood: keep the line whole, nothing else. */
        mm_sv raw = ev->f[MM_EVF_RAW];
        int64_t t = ev->time_ms;
        mm_event_clear(ev);
        ev->f[MM_EVF_RAW] = raw;
        ev->format = (uint8_t)idx;
        ev->kind = MM_EVK_UNPARSED;
        ev->time_ms = t;
    }
    if (ev->time_ms == 0) { /* no usable time in the line: when it was received */
        ev->time_ms = c->now_ms;
        ev->flags |= MM_EVFL_RECEIVED_TIME;
    }
    if (c->device)
        ev->f[MM_EVF_DEVICE] = mm_sv_make(c->device, strlen(c->device));
    else if (ev->f[MM_EVF_DEVICE].n == 0)
        ev->f[MM_EVF_DEVICE] = ev->f[MM_EVF_HOST];
    return MM_OK;
}
