/*
 * The ingest journal (format in journal.h): what the collector received and has not sealed
 * yet, on disk before it is acknowledged, so a killed collector loses nothing. Writing is one
 * write(2) per batch (a TCP read, a UDP drain, one RELP frame); replay at the next start reads
 * whole records and ignores a torn tail, which it counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fs.h"
#include "journal.h"
#include "logs_int.h"

#define CHECK_SEED 0x4a524e4cULL /* "JRNL" */

struct mm_journal {
    char path[4400];
    int fd;
    int sync;         /* fdatasync after each flush */
    uint64_t base;    /* number of the first record in the file */
    uint64_t next;    /* number the next record gets */
    uint64_t flushed; /* records written to the file (next - pending) */
    uint64_t size;    /* bytes in the file */
    mm_buf pend;      /* encoded records not yet written */
    int full;         /* the last write failed for want of space */
};

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* What a write error says when the disk is full: the same words as the segment writer's. */
#define FULL_JA(e) ((e) == ENOSPC || (e) == EDQUOT ? "。ディスクがいっぱいです" : "")
#define FULL_EN(e) ((e) == ENOSPC || (e) == EDQUOT ? ": disk full" : "")

static mm_rc open_fd(mm_journal *j, mm_error *err)
{
    j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (j->fd < 0)
        return mm_error_set(err, MM_ERR_IO, j->path, 0, 0,
                            "ジャーナルを開けません (cannot open the journal): %s",
                            strerror(errno));
    return MM_OK;
}

/* Writes an empty journal starting at j->next atomically, then opens it for appending. */
static mm_rc start_file(mm_journal *j, mm_error *err)
{
    uint8_t hdr[MM_JOURNAL_HEADER_LEN];
    mm_rc rc;

    memcpy(hdr, MM_JOURNAL_MAGIC, 8);
    mm_put_u64(hdr + 8, j->next);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if ((rc = mm_file_write_atomic(j->path, hdr, sizeof(hdr), 0600, err)) != MM_OK)
        return rc;
    j->base = j->flushed = j->next;
    j->size = MM_JOURNAL_HEADER_LEN;
    return open_fd(j, err);
}

mm_rc mm_journal_open(const char *logs_dir, uint64_t base, int sync, mm_journal **out,
                      mm_error *err)
{
    mm_journal *j = mm_xcalloc(1, sizeof(*j));
    mm_rc rc;

    *out = NULL;
    j->fd = -1;
    j->sync = sync;
    j->next = base;
    mm_buf_init(&j->pend, (size_t)256 * 1024 * 1024);
    if ((rc = mm_path_join(j->path, sizeof(j->path), logs_dir, MM_JOURNAL_FILE)) != MM_OK) {
        mm_error_set(err, rc, logs_dir, 0, 0, "path too long");
        goto fail;
    }
    if ((rc = start_file(j, err)) != MM_OK)
        goto fail;
    *out = j;
    return MM_OK;
fail:
    mm_journal_free(&j);
    return rc;
}

mm_rc mm_journal_encode(mm_buf *out, const mm_jrec *r, size_t *msg_off)
{
    uint8_t head[MM_JOURNAL_REC_HEAD + MM_JOURNAL_BODY_FIXED + 24];
    size_t dlen = r->device.n > 255 ? 255 : r->device.n;
    size_t plen = (r->flags & MM_JREC_POS) ? r->path.n : 0;
    size_t fixed = MM_JOURNAL_BODY_FIXED + ((r->flags & MM_JREC_POS) ? 24 : 0);
    size_t body = fixed + plen + dlen + r->msg.n;
    size_t start = out->len;
    uint8_t *b = head + MM_JOURNAL_REC_HEAD;
    uint64_t h;

    mm_put_u32(head, (uint32_t)body);
    mm_put_u32(head + 4, 0);
    b[0] = (uint8_t)(r->flags & (MM_JREC_TRUNCATED | MM_JREC_POS));
    b[1] = (uint8_t)r->pidx;
    put_u16(b + 2, (uint16_t)dlen);
    mm_put_u32(b + 4, (uint32_t)plen);
    mm_put_u64(b + 8, (uint64_t)r->recv_ms);
    if (r->flags & MM_JREC_POS) {
        mm_put_u64(b + 16, r->dev);
        mm_put_u64(b + 24, r->ino);
        mm_put_u64(b + 32, r->off);
    }
    if (body > MM_JOURNAL_MAX_BODY || mm_buf_add(out, head, MM_JOURNAL_REC_HEAD + fixed) != MM_OK ||
        mm_buf_add(out, r->path.p, plen) != MM_OK || mm_buf_add(out, r->device.p, dlen) != MM_OK ||
        mm_buf_add(out, r->msg.p, r->msg.n) != MM_OK) {
        out->len = start; /* a batch holds only whole records */
        return MM_ERR_NOMEM;
    }
    h = mm_hash64(out->data + start + MM_JOURNAL_REC_HEAD, body, CHECK_SEED);
    mm_put_u32((uint8_t *)out->data + start + 4, (uint32_t)h);
    if (msg_off)
        *msg_off = out->len - r->msg.n;
    return MM_OK;
}

mm_rc mm_journal_add(mm_journal *j, const mm_jrec *r, uint64_t *seq, mm_error *err)
{
    if (mm_journal_encode(&j->pend, r, NULL) != MM_OK)
        return mm_error_set(err, MM_ERR_NOMEM, j->path, 0, 0,
                            "ジャーナルの一括書込みが上限を超えました (journal batch over its "
                            "bound)");
    if (seq)
        *seq = j->next;
    j->next++;
    return MM_OK;
}

mm_rc mm_journal_write(mm_journal *j, const void *data, size_t len, uint64_t n, mm_error *err)
{
    if (len == 0)
        return MM_OK;
    if (mm_write_full(j->fd, data, len) != MM_OK) {
        int e = errno;
        j->full = e == ENOSPC || e == EDQUOT;
        /* cut a partial batch off: the journal stays whole records */
        if (ftruncate(j->fd, (off_t)j->size) != 0 || lseek(j->fd, (off_t)j->size, SEEK_SET) < 0)
            e = errno;
        return mm_error_set(err, MM_ERR_IO, j->path, 0, 0,
                            "ジャーナルに書けません%s (cannot write the journal: %s%s)", FULL_JA(e),
                            strerror(e), FULL_EN(e));
    }
    if (j->sync && fdatasync(j->fd) != 0)
        return mm_error_set(err, MM_ERR_IO, j->path, 0, 0, "fdatasync: %s", strerror(errno));
    j->next += n;
    j->flushed = j->next;
    j->size += len;
    return MM_OK;
}

mm_rc mm_journal_flush(mm_journal *j, mm_error *err)
{
    mm_rc rc = MM_OK;
    if (j->pend.len == 0)
        return MM_OK;
    if (mm_write_full(j->fd, j->pend.data, j->pend.len) != MM_OK)
        rc = mm_error_set(err, MM_ERR_IO, j->path, 0, 0,
                          "ジャーナルに書けません%s (cannot write the journal: %s%s)",
                          FULL_JA(errno), strerror(errno), FULL_EN(errno));
    else if (j->sync && fdatasync(j->fd) != 0)
        rc = mm_error_set(err, MM_ERR_IO, j->path, 0, 0, "fdatasync: %s", strerror(errno));
    if (rc == MM_OK) {
        j->flushed = j->next;
        j->size += j->pend.len;
    } else
        j->next = j->flushed; /* the batch is not in the journal: its numbers are reused */
    mm_buf_reset(&j->pend);
    return rc;
}

int mm_journal_disk_full(const mm_journal *j)
{
    return j->full;
}

uint64_t mm_journal_next(const mm_journal *j)
{
    return j->next;
}

uint64_t mm_journal_bytes(const mm_journal *j)
{
    return j->size;
}

uint64_t mm_journal_count(const mm_journal *j)
{
    return j->next - j->base;
}

mm_rc mm_journal_cut(mm_journal *j, mm_error *err)
{
    if (j->next == j->base)
        return MM_OK;
    return start_file(j, err);
}

void mm_journal_free(mm_journal **p)
{
    mm_journal *j = p ? *p : NULL;
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    mm_buf_release(&j->pend);
    free(j);
    *p = NULL;
}

/* Decodes one body; 0 when its lengths do not add up. */
static int decode(const uint8_t *b, size_t n, mm_jrec *r)
{
    size_t fixed = MM_JOURNAL_BODY_FIXED, dlen, plen;
    if (n < fixed)
        return 0;
    memset(r, 0, sizeof(*r));
    r->flags = b[0];
    r->pidx = b[1];
    dlen = (size_t)b[2] | ((size_t)b[3] << 8);
    plen = mm_get_u32(b + 4);
    r->recv_ms = (int64_t)mm_get_u64(b + 8);
    if (r->flags & MM_JREC_POS) {
        fixed += 24;
        if (n < fixed)
            return 0;
        r->dev = mm_get_u64(b + 16);
        r->ino = mm_get_u64(b + 24);
        r->off = mm_get_u64(b + 32);
    } else if (plen) {
        return 0;
    }
    if (dlen > 255 || plen > n - fixed || dlen > n - fixed - plen)
        return 0;
    r->path = mm_sv_make((const char *)b + fixed, plen);
    r->device = mm_sv_make((const char *)b + fixed + plen, dlen);
    r->msg = mm_sv_make((const char *)b + fixed + plen + dlen, n - fixed - plen - dlen);
    return (size_t)r->pidx < mm_log_parsers_len;
}

mm_rc mm_journal_replay_stream(FILE *f, const char *name,
                               mm_rc (*fn)(void *arg, uint64_t seq, const mm_jrec *r), void *arg,
                               mm_journal_scan *scan, mm_error *err)
{
    uint8_t hdr[MM_JOURNAL_HEADER_LEN], rh[MM_JOURNAL_REC_HEAD];
    uint8_t *body = NULL;
    uint64_t off = MM_JOURNAL_HEADER_LEN;
    mm_rc rc = MM_OK;

    memset(scan, 0, sizeof(*scan));
    if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || memcmp(hdr, MM_JOURNAL_MAGIC, 8) != 0)
        return mm_error_set(err, MM_ERR_PARSE, name, 0, 0,
                            "ジャーナルの見出しが不正です (offset 0: expected a Mamori journal "
                            "header \"%s\")",
                            MM_JOURNAL_MAGIC);
    scan->base = mm_get_u64(hdr + 8);
    body = mm_xmalloc(MM_JOURNAL_MAX_BODY);
    for (;;) {
        uint32_t len, check;
        mm_jrec r;
        size_t got = fread(rh, 1, sizeof(rh), f), gotb = 0;
        if (got == 0)
            break;
        len = mm_get_u32(rh);
        check = mm_get_u32(rh + 4);
        if (got == sizeof(rh) && len <= MM_JOURNAL_MAX_BODY)
            gotb = fread(body, 1, len, f);
        if (got != sizeof(rh) || len > MM_JOURNAL_MAX_BODY || gotb != len ||
            (uint32_t)mm_hash64(body, len, CHECK_SEED) != check || !decode(body, len, &r)) {
            /* a torn (or damaged) record: it and everything after it are ignored */
            uint64_t tail = got + gotb;
            uint8_t skip[4096];
            size_t k;
            for (int i = 0; i < 1 << 20 && (k = fread(skip, 1, sizeof(skip), f)) > 0; i++)
                tail += k;
            scan->torn = 1;
            scan->torn_offset = off;
            scan->torn_bytes = tail;
            break;
        }
        rc = fn(arg, scan->base + scan->records, &r);
        if (rc != MM_OK)
            break;
        scan->records++;
        off += sizeof(rh) + len;
    }
    free(body);
    return rc;
}

mm_rc mm_journal_replay(const char *path, mm_rc (*fn)(void *arg, uint64_t seq, const mm_jrec *r),
                        void *arg, mm_journal_scan *scan, mm_error *err)
{
    FILE *f = fopen(path, "rbe");
    mm_rc rc;

    memset(scan, 0, sizeof(*scan));
    if (!f)
        return errno == ENOENT
                   ? MM_ERR_NOTFOUND
                   : mm_error_set(err, MM_ERR_IO, path, 0, 0,
                                  "ジャーナルを読めません (cannot read the journal): %s",
                                  strerror(errno));
    rc = mm_journal_replay_stream(f, path, fn, arg, scan, err);
    fclose(f);
    return rc;
}

/* ---- replay into a session at open ---- */

typedef struct recover_state {
    mm_logsess *s;
    uint64_t mark;
    mm_parse_ctx *pc;
    char device[256];
    char path[4096];
    uint64_t replayed;
    mm_error *err;
} recover_state;

static mm_rc recover_one(void *arg, uint64_t seq, const mm_jrec *r)
{
    recover_state *st = arg;
    int pidx = r->pidx;

    if ((r->flags & MM_JREC_POS) && r->path.n < sizeof(st->path)) {
        memcpy(st->path, r->path.p, r->path.n);
        st->path[r->path.n] = '\0';
        mm_logsess_file_pos(st->s, st->path, r->dev, r->ino, r->off);
    }
    if (seq < st->mark) /* sealed and committed before the journal was cut */
        return MM_OK;
    memcpy(st->device, r->device.p, r->device.n);
    st->device[r->device.n] = '\0';
    st->pc->now_ms = r->recv_ms;
    st->pc->device = st->device[0] ? st->device : NULL;
    st->replayed++;
    return mm_logsess_message(st->s, st->pc, &mm_log_parsers[pidx], pidx, r->msg.p, r->msg.n,
                              (r->flags & MM_JREC_TRUNCATED) != 0, st->err);
}

mm_rc mm_journal_recover(mm_logsess *s, const char *logs_dir, uint64_t mark, uint64_t skip,
                         mm_buf *notices, uint64_t *next, mm_error *err)
{
    char path[4400], bad[4500];
    recover_state st;
    mm_journal_scan scan;
    mm_rc rc;
    uint64_t left;

    *next = mark;
    if (mm_path_join(path, sizeof(path), logs_dir, MM_JOURNAL_FILE) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, logs_dir, 0, 0, "path too long");
    memset(&st, 0, sizeof(st));
    st.s = s;
    st.mark = mark;
    st.err = err;
    st.pc = mm_xmalloc(sizeof(*st.pc));
    mm_parse_ctx_init(st.pc, mm_logs_now_ms(), mm_logsess_conf(s)->tz_offset_min, NULL);
    mm_logsess_replay_skip(s, skip);
    rc = mm_journal_replay(path, recover_one, &st, &scan, err);
    left = mm_logsess_replay_skip(s, 0);
    free(st.pc);
    if (rc == MM_ERR_NOTFOUND) {
        mm_error_clear(err);
        return MM_OK;
    }
    if (rc == MM_ERR_PARSE) { /* not a journal: set aside, never block start */
        snprintf(bad, sizeof(bad), "%s/quarantine/journal.%lld", logs_dir,
                 (long long)(mm_logs_now_ms() / 1000));
        if (notices)
            mm_buf_addf(notices,
                        "ログ保管庫: ジャーナルの見出しが不正なため %s に移しました / log store: "
                        "the journal has a bad header; moved to %s\n",
                        bad, bad);
        mm_error_clear(err);
        return rename(path, bad) == 0
                   ? MM_OK
                   : mm_error_set(err, MM_ERR_IO, path, 0, 0, "rename: %s", strerror(errno));
    }
    if (rc != MM_OK)
        return rc;
    if (scan.base + scan.records > mark)
        *next = scan.base + scan.records;
    mm_logsess_count_replay(s, st.replayed, scan.torn);
    if (notices && (st.replayed || scan.torn))
        mm_buf_addf(notices,
                    "ログ保管庫: ジャーナルから %llu 件を再生しました（うち %llu 件は回復した区画に"
                    "保存済み）%s / log store: replayed %llu journal records (%llu already in a "
                    "recovered segment)%s\n",
                    (unsigned long long)st.replayed, (unsigned long long)(skip - left),
                    scan.torn ? "、壊れた末尾の記録を無視しました" : "",
                    (unsigned long long)st.replayed, (unsigned long long)(skip - left),
                    scan.torn ? "; ignored a torn last record" : "");
    if (notices && scan.torn)
        mm_buf_addf(
            notices,
            "ログ保管庫: %s のオフセット %llu 以降 %llu バイトは壊れた記録のため無視しました"
            " / log store: %s offset %llu: ignored %llu bytes of a torn record\n",
            path, (unsigned long long)scan.torn_offset, (unsigned long long)scan.torn_bytes, path,
            (unsigned long long)scan.torn_offset, (unsigned long long)scan.torn_bytes);
    if (notices && left)
        mm_buf_addf(notices,
                    "ログ保管庫: 回復した区画の %llu 件はジャーナルにありません / log store: %llu "
                    "recovered events are not in the journal\n",
                    (unsigned long long)left, (unsigned long long)left);
    return MM_OK;
}
