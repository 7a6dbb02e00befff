/*
 * The normalised log event: what every parser produces from one line, what the rules read,
 * what the sealed store keeps and what queries print. Text fields are views (pointer +
 * length) into the raw line or into the parser's scratch buffer, so parsing copies nothing.
 *
 * Ownership: an mm_event owns nothing; its views stay valid until the next line is parsed
 * with the same context (or, for decoded events, until the block buffer is released).
 */
#ifndef MM_EVENT_H
#define MM_EVENT_H

#include <stdint.h>

#include "base.h"

/* A view of bytes that need not be NUL-terminated. */
typedef struct mm_sv {
    const char *p;
    uint32_t n;
} mm_sv;

#define MM_SV_LIT(s) ((mm_sv){(s), (uint32_t)(sizeof(s) - 1)})

/* What happened. Names ("logon-failure") are in mm_event_kinds (event.c); adding a kind is
 * adding an enum value at the end (before MM_EVK__COUNT) and a row there: stored segments keep
 * the number, so never renumber. */
typedef enum {
    MM_EVK_UNPARSED = 0,       /* no parser understood the line; kept raw */
    MM_EVK_OTHER,              /* a known format but not an event the checklist asks about */
    MM_EVK_LOGON,              /* logon success (4624, sshd Accepted, FortiGate admin login) */
    MM_EVK_LOGON_FAILURE,      /* 4625, 4771, 4776 failure, sshd Failed/Invalid, VPN login fail */
    MM_EVK_LOGOFF,             /* 4634, sshd session closed, FortiGate admin logout */
    MM_EVK_EXPLICIT_LOGON,     /* 4648 logon with explicit credentials */
    MM_EVK_ACCOUNT_CREATED,    /* 4720 */
    MM_EVK_ACCOUNT_ENABLED,    /* 4722 */
    MM_EVK_ACCOUNT_DISABLED,   /* 4725 */
    MM_EVK_ACCOUNT_DELETED,    /* 4726 */
    MM_EVK_GROUP_MEMBER_ADDED, /* 4732 (target = the group) */
    MM_EVK_ACCOUNT_LOCKED,     /* 4740 */
    MM_EVK_KERBEROS_TGT,       /* 4768 (outcome from the status) */
    MM_EVK_VPN_UP,             /* FortiGate 0101039424 SSL-VPN tunnel up */
    MM_EVK_VPN_DOWN,           /* FortiGate 0101039425 */
    MM_EVK_ADMIN_CREATED,      /* FortiGate admin added (cfgpath system.admin, action Add) */
    MM_EVK_RECORD_ACCESS,      /* EMR access log row */
    MM_EVK__COUNT
} mm_event_kind;

typedef enum {
    MM_OUT_UNKNOWN = 0,
    MM_OUT_SUCCESS,
    MM_OUT_FAILURE,
} mm_outcome;

/* The text fields, in the order the store encodes them. RAW is last. */
typedef enum {
    MM_EVF_HOST = 0, /* machine that wrote the line (syslog HOSTNAME, MachineName, devname) */
    MM_EVF_DEVICE,   /* source device as named in the ledger (asset name or host) */
    MM_EVF_USER,     /* account the event is about (who logged on, who was locked) */
    MM_EVF_SRC,      /* source address (IP or terminal) */
    MM_EVF_TARGET,   /* what was acted on: new account, group, patient id */
    MM_EVF_ACTION,   /* the source's own word for it: "4625", "tunnel-up", "view" */
    MM_EVF_RAW,      /* the whole line as received */
    MM_EVF__COUNT
} mm_event_field;

typedef struct mm_event {
    int64_t time_ms; /* UTC, ms since 1970; the receive time when the line has none */
    uint8_t kind;    /* mm_event_kind */
    uint8_t outcome; /* mm_outcome */
    uint8_t format;  /* index of the parser in mm_log_parsers that produced it */
    uint8_t flags;   /* MM_EVFL_* */
    uint64_t seq;    /* global event number in the store, from 0 (set by the writer) */
    mm_sv f[MM_EVF__COUNT];
} mm_event;

enum {
    MM_EVFL_TRUNCATED = 1 << 0,     /* the line was longer than the maximum and was cut */
    MM_EVFL_RECEIVED_TIME = 1 << 1, /* the line had no usable time: time_ms is when it came */
};

/* "logon-failure" etc.; "?" for an unknown number. */
const char *mm_event_kind_name(int kind);
/* Japanese label ("ログオン失敗"). */
const char *mm_event_kind_label(int kind);
/* MM_ERR_NOTFOUND for an unknown name. OUT: *kind. */
mm_rc mm_event_kind_parse(const char *name, int *kind);
const char *mm_outcome_name(int outcome); /* "success", "failure", "" */

/* Resets every field (views empty, time 0, kind UNPARSED). */
void mm_event_clear(mm_event *ev);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); no validation. */
int64_t mm_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Parses an ISO-8601-like timestamp: YYYY-MM-DD or YYYY/MM/DD, then 'T' or ' ', HH:MM[:SS[.frac]],
 * then Z, ±HH:MM, ±HHMM or nothing (then default_off_min minutes east of UTC, e.g. 540 for JST).
 * One-digit month, day and hour are accepted (Japanese Excel). OUT: *ms (UTC). MM_ERR_PARSE
 * when the shape is wrong, MM_ERR_INVALID when a field is out of range.
 */
mm_rc mm_time_parse_iso(const char *s, size_t n, int default_off_min, int64_t *ms);

/* Formats ms as "2025-11-20T09:15:02+09:00" in the zone off_min east of UTC (out >= 32). */
void mm_time_format(int64_t ms, int off_min, char *out, size_t outsz);
/* "2025-11-20T00:15:02Z" (out >= 24). */
void mm_time_format_utc(int64_t ms, char *out, size_t outsz);

/* 1 when the view equals the C string. */
int mm_sv_eq(mm_sv a, const char *s);
/* 1 when both views hold the same bytes, case-insensitively (ASCII). */
int mm_sv_caseeq(mm_sv a, mm_sv b);

#endif
