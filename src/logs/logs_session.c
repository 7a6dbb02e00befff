/*
 * The pipeline that import and collect share: message → parser → sealed store → rules, with
 * every message counted (received, stored, unparsed, truncated, skipped, dropped) and, at each
 * commit, the segment sealed and the counts, the sources that sent logs, the alerts and the
 * anchor written to mamori.db in one transaction. The session owns the collector's ingest
 * journal (journal.c): open replays one a crash left behind, commit records its position with
 * the seal and then empties it.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fs.h"
#include "journal.h"
#include "logs_int.h"

#define READ_CHUNK (4u * 1024 * 1024)
#define MAX_SOURCES 65536
#define MAX_FILE_POS 1024 /* followed files whose position a session tracks */
#define META_JOURNAL "logs.journal"
#define META_FOLLOW "logs.follow:"

#define ALERT_FLUSH                                                                                \
    10000 /* alerts held before they are written to the store */ /* distinct hosts tracked per     \
                                                                    session; beyond, counted under \
                                                                    "*" */

typedef struct file_pos {
    char *path;
    uint64_t dev, ino, off;
} file_pos;

typedef struct src_stat {
    char *host;
    size_t hlen;
    uint64_t events, unparsed;
    int64_t tmin, tmax;
} src_stat;

struct mm_logsess {
    char ws[4096];
    char logs_dir[4200];
    mm_store *st;
    mm_logs_conf conf;
    mm_logw *w;
    mm_rules *rules;
    mm_logs_counts c, done; /* counts since open, and those already recorded */
    src_stat *src;
    size_t nsrc, capsrc;
    size_t last_src;
    mm_event ev;
    mm_journal *j;         /* the ingest journal, from open to free */
    uint64_t jnext;        /* journal number recorded by commit before the journal exists */
    uint64_t replay_first; /* number of the first event a journal replay finds stored */
    file_pos *fpos;        /* followed files' positions, recorded at commit */
    size_t nfpos;
};

static void on_stored(void *arg, const mm_event *ev);

/* The committed journal mark: records below it are sealed. 0 when none was recorded. */
static uint64_t journal_mark(mm_store *st)
{
    char *v = NULL;
    uint64_t m = 0;
    mm_error e;
    mm_error_clear(&e);
    if (mm_store_meta_get(st, META_JOURNAL, &v, &e) == MM_OK && v)
        m = strtoull(v, NULL, 10);
    free(v);
    return m;
}

/* Replays a journal left by a crash, commits what it held, then starts an empty journal. */
static mm_rc journal_start(mm_logsess *s, mm_buf *notices, mm_error *err)
{
    mm_logs_anchor db, now;
    uint64_t mark = journal_mark(s->st), skip = 0, next = mark;
    mm_rc rc;

    /* a segment a crash left open was reopened with its whole blocks: seal it, so the anchor
     * counts every event the store holds */
    if ((rc = mm_logw_seal(s->w, err)) != MM_OK ||
        (rc = mm_logs_anchor_get(s->st, &db, err)) != MM_OK)
        return rc;
    mm_logw_anchor(s->w, &now);
    if (now.events > db.events) /* events of a crashed session that recovery sealed */
        skip = now.events - db.events;
    s->replay_first = db.events;
    if ((rc = mm_journal_recover(s, s->logs_dir, mark, skip, notices, &next, err)) != MM_OK)
        return rc;
    s->jnext = next;
    if ((s->c.received || s->c.journal_torn || skip || next != mark) &&
        (rc = mm_logsess_commit(s, err)) != MM_OK)
        return rc;
    return mm_journal_open(s->logs_dir, next, s->conf.journal_sync, &s->j, err);
}

static const char *data_dir(void)
{
    const char *e = getenv("MAMORI_DATA");
    return e && *e ? e : MM_DATA_DIR;
}

mm_rc mm_logsess_open(const char *ws_dir, mm_store *st, mm_buf *notices, mm_logsess **out,
                      mm_error *err)
{
    mm_logsess *s = mm_xcalloc(1, sizeof(*s));
    uint8_t sk[64], pk[32];
    char rules_dir[4200];
    int created = 0;
    mm_rc rc;

    *out = NULL;
    s->st = st;
    mm_strlcpy(s->ws, ws_dir, sizeof(s->ws));
    snprintf(s->logs_dir, sizeof(s->logs_dir), "%s/%s", ws_dir, MM_LOGS_DIR);
    if ((rc = mm_logs_conf_load(ws_dir, &s->conf, err)) != MM_OK)
        goto fail;
    if ((rc = mm_logkey_load(s->logs_dir, 1, sk, pk, &created, err)) != MM_OK)
        goto fail;
    if (created && notices)
        mm_buf_addf(notices,
                    "ログ保管庫: 署名鍵を作りました (%s/signing.key)。`mamori logs keygen -o FILE` "
                    "で検証鍵を書き出し、このPC以外に保管してください / log store: created a "
                    "signing key; export the verification key with `mamori logs keygen -o FILE` "
                    "and keep it off this host\n",
                    s->logs_dir);
    rc = mm_logw_open(s->logs_dir, &s->conf, sk, notices, &s->w, err);
    sodium_memzero(sk, sizeof(sk));
    if (rc != MM_OK)
        goto fail;
    mm_logw_set_sink(s->w, on_stored, s);
    snprintf(rules_dir, sizeof(rules_dir), "%s/rules", data_dir());
    if ((rc = mm_rules_load(rules_dir, st, &s->conf, &s->rules, err)) != MM_OK)
        goto fail;
    if ((rc = journal_start(s, notices, err)) != MM_OK)
        goto fail;
    *out = s;
    return MM_OK;
fail:
    mm_logsess_free(&s);
    return rc;
}

const mm_logs_conf *mm_logsess_conf(const mm_logsess *s)
{
    return &s->conf;
}

static void note_source(mm_logsess *s, const mm_event *ev);

/* The writer's sink: an event is stored (its run is written), numbered as in the store. */
static void on_stored(void *arg, const mm_event *ev)
{
    mm_logsess *s = arg;
    note_source(s, ev);
    if (ev->kind > MM_EVK_OTHER)
        mm_rules_event(s->rules, ev);
}

static void note_source(mm_logsess *s, const mm_event *ev)
{
    mm_sv h = ev->f[MM_EVF_DEVICE];
    src_stat *x = NULL;

    if (h.n == 0 || h.n > 255)
        h = MM_SV_LIT("-");
#define SAME(i) (s->src[i].hlen == h.n && memcmp(s->src[i].host, h.p, h.n) == 0)
    if (s->nsrc && s->last_src < s->nsrc && SAME(s->last_src)) {
        x = &s->src[s->last_src];
    } else {
        for (size_t i = 0; i < s->nsrc; i++)
            if (SAME(i)) {
                x = &s->src[i];
                s->last_src = i;
                break;
            }
    }
    if (!x) {
        if (s->nsrc >= MAX_SOURCES)
            h = MM_SV_LIT("*");
        if (s->nsrc == s->capsrc) {
            s->capsrc = s->capsrc ? s->capsrc * 2 : 16;
            s->src = mm_xrealloc(s->src, s->capsrc * sizeof(*s->src));
        }
        x = &s->src[s->nsrc];
        memset(x, 0, sizeof(*x));
        x->host = mm_xmalloc(h.n + 1);
        memcpy(x->host, h.p, h.n);
        x->host[h.n] = '\0';
        x->hlen = h.n;
        s->last_src = s->nsrc++;
    }
#undef SAME
    if (ev->time_ms) {
        if (!x->tmin || ev->time_ms < x->tmin)
            x->tmin = ev->time_ms;
        if (ev->time_ms > x->tmax)
            x->tmax = ev->time_ms;
    }
    x->events++;
    if (ev->kind == MM_EVK_UNPARSED)
        x->unparsed++;
}

/* Stores the alerts held by the rules in their own transaction, so a long import or the
 * collector never holds more than ALERT_FLUSH of them in memory. */
static mm_rc flush_alerts(mm_logsess *s, mm_error *err)
{
    long stored = 0;
    size_t n = mm_rules_alert_count(s->rules);
    mm_rc rc;
    if (n == 0)
        return MM_OK;
    if ((rc = mm_store_begin(s->st, err)) != MM_OK)
        return rc;
    rc = mm_rules_store_alerts(s->rules, s->st, &stored, err);
    if (rc == MM_OK)
        rc = mm_store_commit(s->st, err);
    else
        mm_store_rollback(s->st);
    if (rc == MM_OK)
        s->c.alerts += n;
    return rc;
}

mm_rc mm_logsess_message(mm_logsess *s, mm_parse_ctx *pc, const mm_log_parser *p, int pidx,
                         const char *msg, size_t len, int truncated, mm_error *err)
{
    mm_event *ev = &s->ev;
    mm_rc rc;

    s->c.received++;
    if (mm_log_parse(pc, p, pidx, msg, len, ev) == MM_AGAIN) {
        s->c.skipped++;
        return MM_OK;
    }
    if (truncated) {
        ev->flags |= MM_EVFL_TRUNCATED;
        s->c.truncated++;
    }
    if (ev->kind == MM_EVK_UNPARSED)
        s->c.unparsed++;
    if ((rc = mm_logw_append(s->w, ev, err)) != MM_OK) {
        s->c.dropped++;
        if (mm_logw_disk_full(s->w))
            s->c.disk_full++;
        return rc;
    }
    s->c.stored++;
    if (mm_rules_alert_count(s->rules) >= ALERT_FLUSH)
        return flush_alerts(s, err);
    return MM_OK;
}

static mm_rc counter_add(mm_store *st, const char *name, uint64_t v, mm_error *err);

mm_rc mm_logsess_record_lost(mm_logsess *s, uint64_t lost, mm_error *err)
{
    uint64_t full = s->c.disk_full - s->done.disk_full;
    mm_rc rc;
    if (s->j && mm_journal_disk_full(s->j) && full == 0)
        full = 1;
    if (!lost && !full)
        return MM_OK;
    if ((rc = mm_store_begin(s->st, err)) != MM_OK)
        return rc;
    rc = counter_add(s->st, "dropped", lost, err);
    if (rc == MM_OK)
        rc = counter_add(s->st, "disk_full", full, err);
    if (rc == MM_OK)
        rc = mm_store_commit(s->st, err);
    else
        mm_store_rollback(s->st);
    return rc;
}

void mm_logsess_dropped(mm_logsess *s, uint64_t n)
{
    s->c.dropped += n;
}

void mm_logsess_rejected(mm_logsess *s, uint64_t n)
{
    s->c.rejected += n;
}

struct mm_journal *mm_logsess_journal(mm_logsess *s)
{
    return s->j;
}

uint64_t mm_logsess_replay_skip(mm_logsess *s, uint64_t n)
{
    return mm_logw_replay(s->w, s->replay_first, n);
}

void mm_logsess_count_replay(mm_logsess *s, uint64_t replayed, uint64_t torn)
{
    s->c.replayed += replayed;
    s->c.journal_torn += torn;
}

void mm_logsess_file_pos(mm_logsess *s, const char *path, uint64_t dev, uint64_t ino, uint64_t off)
{
    file_pos *f = NULL;
    for (size_t i = 0; i < s->nfpos && !f; i++)
        if (strcmp(s->fpos[i].path, path) == 0)
            f = &s->fpos[i];
    if (!f) {
        if (s->nfpos >= MAX_FILE_POS)
            return;
        s->fpos = mm_xrealloc(s->fpos, (s->nfpos + 1) * sizeof(*s->fpos));
        f = &s->fpos[s->nfpos++];
        f->path = mm_xstrdup(path);
    }
    f->dev = dev;
    f->ino = ino;
    f->off = off;
}

int mm_logsess_file_pos_get(mm_logsess *s, const char *path, uint64_t *dev, uint64_t *ino,
                            uint64_t *off)
{
    char key[4200], *v = NULL;
    unsigned long long a, b, c;
    int found = 0;
    mm_error e;

    for (size_t i = 0; i < s->nfpos; i++)
        if (strcmp(s->fpos[i].path, path) == 0) {
            *dev = s->fpos[i].dev;
            *ino = s->fpos[i].ino;
            *off = s->fpos[i].off;
            return 1;
        }
    mm_error_clear(&e);
    snprintf(key, sizeof(key), "%s%s", META_FOLLOW, path);
    if (mm_store_meta_get(s->st, key, &v, &e) == MM_OK && v &&
        sscanf(v, "%llu %llu %llu", &a, &b, &c) == 3) {
        *dev = a;
        *ino = b;
        *off = c;
        found = 1;
    }
    free(v);
    return found;
}

mm_rc mm_logsess_file(mm_logsess *s, const char *path, const mm_log_parser *p, int pidx,
                      const char *device, mm_error *err)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    mm_framer fr;
    mm_parse_ctx *pc = NULL;
    mm_rc rc = MM_OK;
    const char *msg;
    size_t len;
    int trunc;

    if (fd < 0)
        return mm_error_set(err, errno == ENOENT ? MM_ERR_NOTFOUND : MM_ERR_IO, path, 0, 0,
                            "ファイルを開けません (cannot open): %s", strerror(errno));
    buf = mm_xmalloc(READ_CHUNK);
    pc = mm_xmalloc(sizeof(*pc));
    mm_parse_ctx_init(pc, mm_logs_now_ms(), s->conf.tz_offset_min, device);
    mm_framer_init(&fr, MM_FRAME_LINES, MM_LOG_MAX_MSG_DEFAULT);
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        mm_framer_feed(&fr, buf, (size_t)n);
        while (rc == MM_OK && mm_framer_next(&fr, &msg, &len, &trunc) == MM_OK)
            rc = mm_logsess_message(s, pc, p, pidx, msg, len, trunc, err);
        if (rc != MM_OK)
            break;
    }
    if (rc == MM_OK && mm_framer_finish(&fr, &msg, &len, &trunc) == MM_OK)
        rc = mm_logsess_message(s, pc, p, pidx, msg, len, trunc, err);
    mm_framer_release(&fr);
    free(pc);
    free(buf);
    if (fd > 0)
        close(fd);
    return rc;
}

static mm_rc counter_add(mm_store *st, const char *name, uint64_t v, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(st,
                                "INSERT INTO log_counter(name, value) VALUES (?1, ?2) "
                                "ON CONFLICT(name) DO UPDATE SET value = value + ?2",
                                &q, err);
    if (rc == MM_OK) {
        mm_bind_text(q, 1, name);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)v);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mm_store_error(st, err, "updating log counters");
    }
    sqlite3_finalize(q);
    return rc;
}

mm_rc mm_logsess_commit(mm_logsess *s, mm_error *err)
{
    mm_rc rc;
    mm_logs_anchor a, old;
    sqlite3_stmt *q = NULL;
    long stored = 0;
    char now[24], mark[24];
    mm_rc seal_rc;

    /* When the seal fails (the disk is full), the events not written are counted as dropped
     * and the counts are still recorded (mamori.db may live on another disk). */
    if ((seal_rc = mm_logw_seal(s->w, err)) != MM_OK) {
        uint64_t lost;
        if (s->j && mm_journal_count(s->j) > 0) {
            /* The collector: every event since the last commit is in the journal. Keep them
             * all (the held run too) and record nothing, as after a crash: a later commit, or
             * the journal replay at the next start, stores and counts them once. */
            if (mm_logw_disk_full(s->w))
                s->c.disk_full++;
            return seal_rc;
        }
        lost = mm_logw_discard_pending(s->w);
        s->c.stored -= lost;
        s->c.dropped += lost;
        if (mm_logw_disk_full(s->w))
            s->c.disk_full++;
    }
    /* alerts still held are stored below, in this transaction: count them now */
    s->c.alerts += mm_rules_alert_count(s->rules);
    if ((rc = mm_logs_anchor_get(s->st, &old, err)) != MM_OK)
        return rc;
    if ((rc = mm_store_begin(s->st, err)) != MM_OK)
        return rc;
    for (size_t i = 0; rc == MM_OK && i < mm_log_counters_len; i++) {
        const mm_log_counter *k = &mm_log_counters[i];
        uint64_t now_v = *(const uint64_t *)((const char *)&s->c + k->off);
        uint64_t done_v = *(const uint64_t *)((const char *)&s->done + k->off);
        rc = counter_add(s->st, k->name, now_v - done_v, err);
    }
    mm_time_format_utc(mm_logs_now_ms(), now, sizeof(now));
    if (rc == MM_OK)
        rc = mm_store_prepare(
            s->st,
            "INSERT INTO log_source(host, events, unparsed, first_event, last_event, "
            "last_received) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(host) DO UPDATE SET "
            "events = events + ?2, unparsed = unparsed + ?3, "
            "first_event = CASE WHEN first_event IS NULL OR (?4 IS NOT NULL AND ?4 < first_event) "
            "THEN ?4 ELSE first_event END, "
            "last_event = CASE WHEN last_event IS NULL OR (?5 IS NOT NULL AND ?5 > last_event) "
            "THEN ?5 ELSE last_event END, last_received = ?6",
            &q, err);
    for (size_t i = 0; rc == MM_OK && i < s->nsrc; i++) {
        src_stat *x = &s->src[i];
        char t1[24], t2[24];
        if (!x->events)
            continue;
        sqlite3_reset(q);
        mm_bind_text(q, 1, x->host);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)x->events);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)x->unparsed);
        if (x->tmin) {
            mm_time_format_utc(x->tmin, t1, sizeof(t1));
            mm_time_format_utc(x->tmax, t2, sizeof(t2));
            mm_bind_text(q, 4, t1);
            mm_bind_text(q, 5, t2);
        } else {
            sqlite3_bind_null(q, 4);
            sqlite3_bind_null(q, 5);
        }
        mm_bind_text(q, 6, now);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mm_store_error(s->st, err, "recording log sources");
        x->events = x->unparsed = 0;
    }
    sqlite3_finalize(q);
    if (rc == MM_OK)
        rc = mm_rules_store_alerts(s->rules, s->st, &stored, err);
    mm_logw_anchor(s->w, &a);
    a.pruned_through = old.pruned_through;
    memcpy(a.pruned_seal, old.pruned_seal, 32);
    if (rc == MM_OK && a.segno)
        rc = mm_logs_anchor_set(s->st, &a, err);
    /* the journal's records below this mark are sealed; and where followed files stand */
    snprintf(mark, sizeof(mark), "%llu",
             (unsigned long long)(s->j ? mm_journal_next(s->j) : s->jnext));
    if (rc == MM_OK)
        rc = mm_store_meta_set(s->st, META_JOURNAL, mark, err);
    for (size_t i = 0; rc == MM_OK && i < s->nfpos; i++) {
        char key[4200], val[80];
        snprintf(key, sizeof(key), "%s%s", META_FOLLOW, s->fpos[i].path);
        snprintf(val, sizeof(val), "%llu %llu %llu", (unsigned long long)s->fpos[i].dev,
                 (unsigned long long)s->fpos[i].ino, (unsigned long long)s->fpos[i].off);
        rc = mm_store_meta_set(s->st, key, val, err);
    }
    if (rc == MM_OK)
        rc = mm_store_commit(s->st, err);
    else
        mm_store_rollback(s->st);
    if (rc == MM_OK)
        s->done = s->c;
    /* everything the journal held is sealed and recorded; after a failed seal it stays (the
     * events not written were counted as dropped) until a later commit succeeds */
    if (rc == MM_OK && seal_rc == MM_OK && s->j)
        rc = mm_journal_cut(s->j, err);
    return seal_rc != MM_OK ? seal_rc : rc;
}

const mm_logs_counts *mm_logsess_counts(const mm_logsess *s)
{
    return &s->c;
}

void mm_logsess_free(mm_logsess **p)
{
    mm_logsess *s = p ? *p : NULL;
    if (!s)
        return;
    mm_journal_free(&s->j);
    mm_logw_free(&s->w);
    mm_rules_free(&s->rules);
    for (size_t i = 0; i < s->nfpos; i++)
        free(s->fpos[i].path);
    free(s->fpos);
    for (size_t i = 0; i < s->nsrc; i++)
        free(s->src[i].host);
    free(s->src);
    free(s);
    *p = NULL;
}
