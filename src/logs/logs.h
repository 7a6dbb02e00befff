/*
 * Access logs (checklist 2-⑪): line framing, the parser registry, the sealed segment store
 * (zstd blocks, BLAKE2b hash chain, Ed25519-signed footers), queries, verification, detection
 * rules and the import pipeline that joins them. The CLI (src/cli/cmd_logs.c) and the 2-⑪
 * evaluator are its users.
 *
 * Ownership rule for this header: objects made by mm_*_open/_load are freed by the matching
 * mm_*_free(&p), which accepts NULL and clears the pointer; everything else that is handed
 * back is a view valid until the next call on the same object, unless a comment says
 * "caller frees". Nothing here is thread-safe: one thread per object.
 */
#ifndef MM_LOGS_H
#define MM_LOGS_H

#include <sodium.h>

#include "buf.h"
#include "event.h"
#include "store.h"

/* ---- framing ------------------------------------------------------------------------------ */

#define MM_LOG_MAX_MSG_DEFAULT (64u * 1024) /* longest message kept whole; longer are cut */

typedef enum {
    MM_FRAME_LINES = 0, /* LF-terminated (CR before LF dropped): files, TCP newline framing */
    MM_FRAME_OCTET,     /* RFC 6587 octet counting: "LEN SP MSG" */
    MM_FRAME_AUTO,      /* TCP: octet counting when a frame starts with a digit, else lines */
} mm_frame_mode;

/*
 * A resumable framer. Feed it bytes as they arrive; mm_framer_next hands out one message at a
 * time and returns MM_AGAIN when it needs more. A message longer than max is cut to max bytes
 * (truncated = 1, and counted) and the rest of it skipped: nothing grows without bound.
 * Fed bytes must stay valid until mm_framer_next returns MM_AGAIN (the framer keeps only the
 * tail of an unfinished message, in its own bounded buffer).
 */
typedef struct mm_framer {
    mm_frame_mode mode;
    size_t max;       /* longest message handed out */
    const char *data; /* bytes fed and not yet consumed */
    size_t len, pos;
    char *carry; /* unfinished message across feeds (max bytes allocated) */
    size_t carry_len;
    int skipping;  /* dropping the rest of an over-long message */
    int state;     /* octet counting: 0 reading length, 1 reading body */
    size_t want;   /* octet counting: body bytes still expected */
    size_t lenval; /* octet counting: the length being read */
    int lendigits;
    int octet;           /* AUTO: the current frame uses octet counting */
    uint64_t truncated;  /* messages cut to max */
    uint64_t bad_frames; /* octet-counting frames with a bad length (resynchronised on LF) */
} mm_framer;

void mm_framer_init(mm_framer *f, mm_frame_mode mode, size_t max);
void mm_framer_release(mm_framer *f);
void mm_framer_feed(mm_framer *f, const char *data, size_t len);
/* MM_OK with one message (OUT: *msg, *len, *truncated) or MM_AGAIN. */
mm_rc mm_framer_next(mm_framer *f, const char **msg, size_t *len, int *truncated);
/* At end of input: the last message without its terminator, or MM_AGAIN when there is none. */
mm_rc mm_framer_finish(mm_framer *f, const char **msg, size_t *len, int *truncated);

/* ---- parsers ------------------------------------------------------------------------------ */

#define MM_PARSE_SCRATCH 8192
#define MM_PARSE_SIDS 64 /* SIDs remembered per input (Windows) */

/* What parsers share across lines of one input. Initialise with mm_parse_ctx_init. */
typedef struct mm_parse_ctx {
    int64_t now_ms;      /* receive time; the year of RFC 3164 times (a future date is last
                            year); the time of lines that have none */
    int tz_off_min;      /* zone of times written without one, minutes east of UTC (540 JST) */
    const char *device;  /* source device for lines that do not name one (--device), or NULL */
    int csv_header_seen; /* EMR CSV: the header row has been read */
    int csv_cols[8];     /* EMR CSV: column of time, user, patient, action, terminal */
    uint64_t headers;    /* header rows skipped */
    /* Windows: account names seen with their SIDs (4720, 4624), newest over oldest, so a 4732
     * that names the new member only by SID can name the account */
    struct {
        uint64_t sid; /* mm_hash64 of the SID text; 0 = free */
        char name[64];
    } sids[MM_PARSE_SIDS];
    unsigned sid_next;
    char scratch[MM_PARSE_SCRATCH]; /* decoded field text for the current line */
    size_t scratch_used;
} mm_parse_ctx;

void mm_parse_ctx_init(mm_parse_ctx *c, int64_t now_ms, int tz_off_min, const char *device);

/*
 * A parser: a name (--format), what it reads, and parse(). parse fills ev from one message
 * (ev->f[MM_EVF_RAW] is already set) and returns MM_OK, or MM_ERR_PARSE when it does not
 * understand the line (the line is then kept raw and counted as unparsed), or MM_AGAIN for a
 * line that is not an event (a CSV header). To add a format: write parse_<name>.c with a
 * function of this type, and add a row to mm_log_parsers in parse_registry.c; add fixtures
 * to tests/data/logs/ and a fuzz target.
 */
typedef struct mm_log_parser {
    const char *name;
    const char *what;
    mm_rc (*parse)(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
} mm_log_parser;

extern const mm_log_parser mm_log_parsers[];
extern const size_t mm_log_parsers_len;

/* The parser named name; NULL when unknown. OUT: *index (may be NULL). */
const mm_log_parser *mm_log_parser_find(const char *name, int *index);

/*
 * Parses one message with parser p (index idx): sets the raw view, runs the parser and applies
 * the defaults (device from ctx, else host). Returns MM_OK for an event (possibly UNPARSED),
 * MM_AGAIN for a line that is not an event (skip it).
 */
mm_rc mm_log_parse(mm_parse_ctx *c, const mm_log_parser *p, int idx, const char *line, size_t len,
                   mm_event *ev);

/* Parser entry points (also used by the fuzz targets and tests). */
mm_rc mm_parse_syslog(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_rfc3164(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_rfc5424(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_sshd(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_fortigate(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_winjson(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_emr_csv(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
mm_rc mm_parse_ivanti(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);
/* One Windows event as XML (<Event><System>…<EventData><Data Name=…>), as libevtx renders an
 * .evtx record; mapped like windows-json. */
mm_rc mm_parse_evtx_xml(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev);

/* ---- the sealed store ---------------------------------------------------------------------- */

#define MM_LOGS_DIR "logs"

#define MM_LOGS_RUN_EVENTS 262144

typedef struct mm_logs_conf {
    int retention_years;     /* [logs] retention_years, default 5 */
    int block_events;        /* events per block (default 4096) */
    long segment_events;     /* events per segment before a new one starts (default 1048576) */
    int run_events;          /* events held and grouped by account before they are written
                                (default MM_LOGS_RUN_EVENTS; 0 = the default) */
    int zstd_level;          /* default 3 */
    int tz_offset_min;       /* zone of times without one; default 540 (JST) */
    int capacity_alarm_days; /* warn when the disk fills within this many days (default 90) */
    int recent_days;         /* 2-⑪: a server is "sending" if it logged within this (default 7) */
    int review_days;         /* 2-⑪: logs must be reviewed (VPN audit, alert review) this often
                                (default 31) */
    int alert_review_days;   /* 2-⑪: a high or critical alert must be reviewed within this
                                (default 7) */
    int journal_sync;        /* [logs] journal_sync = true: fdatasync the journal per batch */
} mm_logs_conf;

/* Defaults, then [logs] of WS/mamori.conf when it exists. */
mm_rc mm_logs_conf_load(const char *ws_dir, mm_logs_conf *c, mm_error *err);

/* The anchor kept in mamori.db (meta logs.head): the newest sealed segment and its seal, and
 * what retention pruned, so verify notices a removed newest segment. */
typedef struct mm_logs_anchor {
    uint64_t segno; /* 0 = nothing sealed yet */
    uint8_t seal[32];
    uint64_t events;         /* events up to and including segno */
    uint64_t pruned_through; /* segments 1..pruned_through were pruned (0 = none) */
    uint8_t pruned_seal[32]; /* seal of segment pruned_through */
} mm_logs_anchor;

mm_rc mm_logs_anchor_get(mm_store *st, mm_logs_anchor *a, mm_error *err);
mm_rc mm_logs_anchor_set(mm_store *st, const mm_logs_anchor *a, mm_error *err);

/* Signing key: WS/logs/signing.key (0600, created when missing). OUT: sk, pk, *created. */
mm_rc mm_logkey_load(const char *logs_dir, int create, uint8_t sk[64], uint8_t pk[32], int *created,
                     mm_error *err);
/* Public key file: one line "mamori-logs-ed25519 <64 hex>". */
mm_rc mm_logkey_write_public(const char *path, const uint8_t pk[32], mm_error *err);
mm_rc mm_logkey_read_public(const char *path, uint8_t pk[32], mm_error *err);
/* Key id: first 8 bytes of BLAKE2b-256(pk), as stored in every footer. */
uint64_t mm_logkey_id(const uint8_t pk[32]);

typedef struct mm_logw mm_logw;

/*
 * Opens the writer on logs_dir (created if missing): takes the writer lock, recovers a torn
 * segment left by a crash (its whole blocks are sealed into a segment, the rest is moved to
 * logs/quarantine/ with a notice appended to notices), and positions after the newest segment.
 * Never fails because of a damaged segment. OUT: *out.
 */
mm_rc mm_logw_open(const char *logs_dir, const mm_logs_conf *conf, const uint8_t sk[64],
                   mm_buf *notices, mm_logw **out, mm_error *err);
/* Called for every event once it is stored, in arrival order, with ev->seq its number in the
 * store (events are grouped by account within a run, so numbers follow the stored order). */
typedef void (*mm_logw_sink)(void *arg, const mm_event *ev);
void mm_logw_set_sink(mm_logw *w, mm_logw_sink fn, void *arg);
/* Appends one event: its views are copied into the run held in memory ([logs] run_events),
 * which is written grouped by account when full, when the segment is full or at a seal. A
 * full run is written (a full segment sealed) when the next event comes, before it is
 * accepted. When that write fails (the disk is full: mm_logw_disk_full), the event is refused,
 * nothing is half-written and the run stays in memory for the next try. */
mm_rc mm_logw_append(mm_logw *w, const mm_event *ev, mm_error *err);
/* Journal replay after a crash: the next n appended events are already stored, from event
 * number first on (a segment start); they are grouped and numbered as they were when written
 * and handed to the sink, not written again. n = 0 ends it (also done by mm_logw_seal).
 * Returns how many announced events of the replay before never came. */
uint64_t mm_logw_replay(mm_logw *w, uint64_t first, uint64_t n);
/* 1 when the last write failed for want of space (ENOSPC, EDQUOT). */
int mm_logw_disk_full(const mm_logw *w);
/* Forgets the events accepted but not yet written (after a failed seal), cutting off the blocks
 * of a run written in part; returns how many. */
uint64_t mm_logw_discard_pending(mm_logw *w);
/* Writes the held run and seals the open segment (nothing when it is empty). */
mm_rc mm_logw_seal(mm_logw *w, mm_error *err);
/* The newest sealed segment (for the anchor; the pruned fields are left zero). */
void mm_logw_anchor(const mm_logw *w, mm_logs_anchor *a);
uint64_t mm_logw_bytes_written(const mm_logw *w);
void mm_logw_free(mm_logw **w);

/* ---- queries ------------------------------------------------------------------------------- */

typedef struct mm_logq {
    int64_t since_ms, until_ms;      /* [since, until); 0 = open */
    const char *user, *src, *device; /* exact match (user case-insensitive); NULL = any */
    int kind;                        /* -1 = any */
    long limit;                      /* 0 = no limit */
} mm_logq;

typedef struct mm_logq_stats {
    uint64_t segments, segments_skipped, blocks, blocks_skipped, events_scanned, matched;
    /* damaged parts the query could not read and went past (verify says what happened) */
    uint64_t segments_damaged, blocks_damaged;
    char first_damaged[160]; /* "seg-00000003.mms block 2", "" when nothing was damaged */
} mm_logq_stats;

/* Called for each matching event in store order; return non-zero to stop. */
typedef int (*mm_logq_fn)(void *arg, const mm_event *ev);

/* A segment whose footer or index cannot be read, or a block that cannot be decoded, is
 * skipped and counted in stats (segments_damaged, blocks_damaged, first_damaged), so one
 * damaged block does not hide the rest; callers report it (exit 5). A segment of another
 * format version is an error. */
mm_rc mm_logs_query(const char *logs_dir, const mm_logq *q, mm_logq_fn fn, void *arg,
                    mm_logq_stats *stats, mm_error *err);

/* ---- verification -------------------------------------------------------------------------- */

typedef struct mm_logv_report {
    uint64_t segments, blocks, events, bytes;
    uint64_t problems;
    double seconds; /* the checking itself (mm_logs_verify_recorded), not recording it */
    mm_buf text;    /* one line per problem: "seg-000003.mms block 7 (events 28672-32767): ..." */
} mm_logv_report;

void mm_logv_report_init(mm_logv_report *r);
void mm_logv_report_release(mm_logv_report *r);

/* Checks every segment: header, block hash chain, footer signature against pk, segment
 * numbering and the chain between segments, and the anchor. MM_OK when all is intact,
 * MM_ERR_TAMPER with the problems in r->text otherwise. */
mm_rc mm_logs_verify(const char *logs_dir, const uint8_t pk[32], const mm_logs_anchor *anchor,
                     mm_logv_report *r, mm_error *err);

/* The result of the last `mamori logs verify` (meta logs.verified). */
typedef struct mm_logs_verified {
    int64_t at_ms; /* when; 0 = never verified */
    int ok;        /* 1 intact, 0 problems found */
    int with_key;  /* verified with an off-host key (--key) */
    uint64_t segments, events, problems;
} mm_logs_verified;

mm_rc mm_logs_verified_get(mm_store *st, mm_logs_verified *v, mm_error *err);
mm_rc mm_logs_verified_set(mm_store *st, const mm_logs_verified *v, mm_error *err);

/* Verifies the store of the workspace whose database is st against the anchor recorded there,
 * with public key pk (with_key: pk came from an off-host file), and records the outcome for
 * the 2-⑪ evaluator. Returns MM_OK, MM_ERR_TAMPER (problems described in r) or another error;
 * a failure to record the outcome goes to rec_err and does not change the result. */
mm_rc mm_logs_verify_recorded(const char *logs_dir, mm_store *st, const uint8_t pk[32],
                              int with_key, mm_logv_report *r, mm_error *err, mm_error *rec_err);

/* Sealed segment files (seg-NNNNNNNN.mms) in number order. OUT: *names (caller frees each
 * and the array), *n. */
mm_rc mm_logs_list_segments(const char *logs_dir, char ***names, size_t *n, mm_error *err);

/* ---- detection rules ------------------------------------------------------------------------ */

typedef struct mm_rules mm_rules;

/* Loads every rules file in rules_dir (data/rules) and the facts the rules need from the
 * store (allow-lists, accounts, staff, assets). OUT: *out. */
mm_rc mm_rules_load(const char *rules_dir, mm_store *st, const mm_logs_conf *conf, mm_rules **out,
                    mm_error *err);
void mm_rules_event(mm_rules *r, const mm_event *ev);
/* Alerts raised so far. */
size_t mm_rules_alert_count(const mm_rules *r);
/* Stores the alerts (table alert), inside the caller's transaction. OUT: *stored (new rows). */
mm_rc mm_rules_store_alerts(mm_rules *r, mm_store *st, long *stored, mm_error *err);
void mm_rules_free(mm_rules **r);
/* Whether src is in the allow-list of device (matched by asset name, host or address):
 * 1 allowed, 0 not, -1 the device has no allow-list. */
int mm_rules_source_allowed(const mm_rules *r, mm_sv device, mm_sv src);

/* ---- stored alerts: listing and review ------------------------------------------------------ */

typedef struct mm_alert_filter {
    const char *rule; /* NULL: any */
    int open_only;    /* only alerts nobody reviewed */
    int min_severity; /* 0 low, 1 medium, 2 high, 3 critical */
    long long id;     /* 0: any */
    long limit;       /* 0: 1000 */
} mm_alert_filter;

/* One alert row; the strings live until the callback returns. */
typedef struct mm_alert_row {
    long long id, count;
    const char *rule, *severity, *subject, *first_at, *last_at;
    const char *title_ja, *title_en, *detail_ja, *detail_en, *events_json;
    int reviewed;
    const char *reviewed_at, *reviewed_by, *review_note;
} mm_alert_row;

typedef int (*mm_alert_fn)(void *arg, const mm_alert_row *row); /* non-zero stops */

#define MM_ALERT_NOTE_MAX 2000

/* "low".."critical" → 0..3, else -1. */
int mm_alert_severity_parse(const char *s);
/* Alerts newest first. */
mm_rc mm_alerts_each(mm_store *st, const mm_alert_filter *f, mm_alert_fn fn, void *arg,
                     mm_error *err);
/* How many alerts pass the filter (its limit does not apply). */
mm_rc mm_alerts_count(mm_store *st, const mm_alert_filter *f, long long *n, mm_error *err);
/* One row as a JSON object (the shape `mamori alerts --json` and the API print). */
void mm_alert_row_json(mm_buf *b, const mm_alert_row *a);
/* Records that actor reviewed alerts ids[0..n) with note: all or nothing, one audit entry each;
 * MM_ERR_NOTFOUND (nothing recorded) when an ID does not exist. */
mm_rc mm_alerts_review(mm_store *st, const long long *ids, size_t n, const char *note,
                       const char *actor, mm_error *err);

/* ---- the monthly VPN access audit -------------------------------------------------------- */

/* Builds the VPN access audit of [since, until) — per user: sessions, first and last, sources,
 * sources outside the allow-list, failures — as CSV (UTF-8 with BOM) or HTML into out. */
mm_rc mm_logs_vpn_report(const char *logs_dir, mm_store *st, const mm_logs_conf *conf,
                         int64_t since_ms, int64_t until_ms, const char *title, int html,
                         mm_buf *out, mm_logq_stats *qstats, mm_error *err);

/* The newest VPN access audit made (G-MIS question 14). */
typedef struct mm_logs_vpn_audit {
    char month[8]; /* "YYYY-MM" the audit covers */
    int64_t at_ms; /* when it was made */
    char actor[201];
} mm_logs_vpn_audit;

/* Records that the audit of month was made at at_ms by actor (replaces the previous record). */
mm_rc mm_logs_vpn_audit_record(mm_store *st, const char *month, int64_t at_ms, const char *actor,
                               mm_error *err);
/* OUT: *out. MM_ERR_NOTFOUND when no audit was ever recorded. */
mm_rc mm_logs_vpn_audit_last(mm_store *st, mm_logs_vpn_audit *out, mm_error *err);

/* ---- the import pipeline ------------------------------------------------------------------- */

typedef struct mm_logs_counts {
    uint64_t received;     /* messages framed */
    uint64_t stored;       /* events appended to the store */
    uint64_t unparsed;     /* of which no parser understood (kept raw) */
    uint64_t truncated;    /* of which longer than the maximum and cut */
    uint64_t skipped;      /* non-event lines (CSV headers) */
    uint64_t dropped;      /* lost: UDP receive-buffer overflows, frames that could not be read */
    uint64_t alerts;       /* alerts raised */
    uint64_t replayed;     /* messages replayed from the journal after a crash (also received) */
    uint64_t journal_torn; /* torn last journal records ignored at a replay */
    uint64_t rejected;     /* connections refused: failed TLS handshakes, RELP session errors */
    uint64_t disk_full;    /* capacity alarms: writes refused because the disk was full */
} mm_logs_counts;

typedef struct mm_logsess mm_logsess;

/* Opens the store writer and the rules for workspace ws_dir. notices receives recovery
 * messages. OUT: *out. */
mm_rc mm_logsess_open(const char *ws_dir, mm_store *st, mm_buf *notices, mm_logsess **out,
                      mm_error *err);
const mm_logs_conf *mm_logsess_conf(const mm_logsess *s);
/* One framed message through parse → store → rules. */
mm_rc mm_logsess_message(mm_logsess *s, mm_parse_ctx *pc, const mm_log_parser *p, int pidx,
                         const char *msg, size_t len, int truncated, mm_error *err);
/* Adds to the dropped count (collector). */
void mm_logsess_dropped(mm_logsess *s, uint64_t n);
/* After the collector stopped on a storage failure (it does not commit: the journal's events
 * are stored and counted by the next start's replay): records only the lost messages that
 * never reached the journal, as dropped, and the disk-full alarm. */
mm_rc mm_logsess_record_lost(mm_logsess *s, uint64_t lost, mm_error *err);
/* Adds to the rejected-connections count (collector). */
void mm_logsess_rejected(mm_logsess *s, uint64_t n);

/* Journal hooks (src/logs/journal.h). The session owns the ingest journal: mm_logsess_open
 * replays one left behind and starts an empty one; mm_logsess_commit records the journal's
 * position with the seal and then cuts it. The journal is for the collector to append to. */
struct mm_journal;
struct mm_journal *mm_logsess_journal(mm_logsess *s);
/* The next n events parsed are already in the store (a recovered segment): count them, run
 * the rules, but do not append them (mm_logw_replay); n = 0 ends that. Returns how many of
 * the previous count never came. */
uint64_t mm_logsess_replay_skip(mm_logsess *s, uint64_t n);
void mm_logsess_count_replay(mm_logsess *s, uint64_t replayed, uint64_t torn);
/* Where a followed file stands (device, inode, offset after the last message journaled);
 * recorded with the next commit (meta logs.follow:PATH). */
void mm_logsess_file_pos(mm_logsess *s, const char *path, uint64_t dev, uint64_t ino, uint64_t off);
/* The position of path: the session's, else the one committed. 1 when known. */
int mm_logsess_file_pos_get(mm_logsess *s, const char *path, uint64_t *dev, uint64_t *ino,
                            uint64_t *off);
/* Reads one file (or stdin for "-") with parser p through the session. */
mm_rc mm_logsess_file(mm_logsess *s, const char *path, const mm_log_parser *p, int pidx,
                      const char *device, mm_error *err);
/* Seals the open segment and records counts, sources, alerts and the anchor in one
 * transaction. Safe to call repeatedly (the collector does so periodically). */
mm_rc mm_logsess_commit(mm_logsess *s, mm_error *err);
/* Counts since open. */
const mm_logs_counts *mm_logsess_counts(const mm_logsess *s);
void mm_logsess_free(mm_logsess **s);

/* ---- .evtx files (evtx.c, libevtx) ------------------------------------------------------- */

typedef struct mm_evtx_counts {
    uint64_t records;        /* records libevtx found (including recovered ones) */
    uint64_t read;           /* of which handed on */
    uint64_t failed;         /* of which unreadable (counted, not stored) */
    uint64_t recovered;      /* of the read ones, found by libevtx in damaged chunks */
    uint64_t missing_chunks; /* chunks the header announces beyond the end of the file */
} mm_evtx_counts;

/* Called with each record's XML (UTF-8, not NUL-terminated, cut to max_msg with truncated set).
 * A return other than MM_OK stops the reading. */
typedef mm_rc (*mm_evtx_fn)(void *ud, const char *xml, size_t len, int truncated, mm_error *err);

/*
 * Reads every record of the .evtx file path and calls fn for each readable one. A file that is
 * not EVTX is MM_ERR_PARSE naming offset 0. Unreadable records are counted and skipped; after
 * the last record, a damaged or cut file is MM_ERR_PARSE whose message names the file, the
 * first bad record and its offset (or where the file ends) and the counts. OUT: *n.
 */
mm_rc mm_evtx_read(const char *path, int64_t max_msg, mm_evtx_fn fn, void *ud, mm_evtx_counts *n,
                   mm_error *err);
/* Imports the .evtx file path through the session with the "evtx" parser (as mm_evtx_read;
 * unreadable records are added to the dropped count). OUT: *n. */
mm_rc mm_logsess_evtx(mm_logsess *s, const char *path, const char *device, mm_evtx_counts *n,
                      mm_error *err);

/* Totals recorded in the store (log_counter). */
mm_rc mm_logs_counts_get(mm_store *st, mm_logs_counts *c, mm_error *err);

/* Capacity of the store on disk. */
typedef struct mm_logs_capacity {
    uint64_t bytes; /* segment files */
    uint64_t segments;
    uint64_t free_bytes;   /* available to this user on the file system */
    double growth_per_day; /* bytes/day over the last 7 days of writes (or the store's age) */
    double days_left;      /* free / growth; -1 when growth is 0 */
    int64_t oldest_ms, newest_ms; /* event time range */
} mm_logs_capacity;

mm_rc mm_logs_capacity_get(const char *logs_dir, mm_logs_capacity *c, mm_error *err);

/* Deletes sealed segments whose newest event is older than retention_years before now_ms,
 * oldest first, and records them in the anchor. OUT: *pruned. */
mm_rc mm_logs_prune(const char *logs_dir, mm_store *st, int retention_years, int64_t now_ms,
                    int dry_run, long *pruned, mm_error *err);

/* Now in ms (MAMORI_NOW overrides, ISO-8601 UTC). */
int64_t mm_logs_now_ms(void);

#endif
