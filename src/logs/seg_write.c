/*
 * The segment writer: holds events in a run, writes each run grouped by account in blocks
 * (zstd, hash-chained), seals a segment with a signed footer, and on open recovers what a
 * crash left behind (whole runs). One writer per store, held by
 * an flock on logs/.lock. The open segment is seg-N.mms.open; sealing appends the footer,
 * fsyncs and renames it to seg-N.mms (then fsyncs the directory), so a sealed segment is
 * whole or absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fs.h"
#include "logs_int.h"

typedef struct idx_entry {
    uint64_t off;
    uint32_t n, flags; /* flags: MM_FTR_IDX_RUN_END */
    int64_t tmin, tmax;
} idx_entry;

/* The account index being built: key (mm_bloom_key of a user or source) → the blocks that
 * hold it. Entries are appended (stable indexes) and found through an open-addressing table;
 * each (entry, block) pair is one node, nodes come in block order. Bounded by the events. */
typedef struct key_entry {
    uint64_t key;
    uint32_t count; /* blocks noted: counted from the nodes when the segment is sealed */
} key_entry;

typedef struct key_node {
    uint32_t block, entry;
} key_node;

typedef struct key_slot_t {
    uint64_t key;
    uint32_t e;          /* entry index + 1, 0 = empty */
    uint32_t last_block; /* the entry's newest block (kept here: one cache line per lookup) */
} key_slot_t;

typedef struct keyset {
    key_slot_t *table;
    size_t cap;
    key_entry *v;
    size_t n, capv;
    key_node *nodes;
    size_t nnodes, capnodes;
} keyset;

static void keyset_node(keyset *s, uint32_t e, uint32_t block)
{
    if (s->nnodes == s->capnodes) {
        s->capnodes = s->capnodes ? s->capnodes * 2 : 4096;
        s->nodes = mm_xrealloc(s->nodes, s->capnodes * sizeof(*s->nodes));
    }
    s->nodes[s->nnodes++] = (key_node){block, e};
}

static size_t key_slot(uint64_t k, size_t cap)
{
    return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
}

/* Notes that key k occurs in block number block (blocks come in ascending order). */
static void keyset_add(keyset *s, uint64_t k, uint32_t block)
{
    size_t i;
    if (2 * (s->n + 1) > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        key_slot_t *nt = mm_xcalloc(ncap, sizeof(*nt));
        for (size_t j = 0; j < s->cap; j++) { /* the newest block stays with its key */
            size_t h;
            if (!s->table[j].e)
                continue;
            h = key_slot(s->table[j].key, ncap);
            while (nt[h].e)
                h = (h + 1) & (ncap - 1);
            nt[h] = s->table[j];
        }
        free(s->table);
        s->table = nt;
        s->cap = ncap;
    }
    i = key_slot(k, s->cap);
    while (s->table[i].e) {
        uint32_t e = s->table[i].e - 1;
        if (s->table[i].key == k) {
            if (s->table[i].last_block != block) {
                s->table[i].last_block = block;
                keyset_node(s, e, block);
            }
            return;
        }
        i = (i + 1) & (s->cap - 1);
    }
    if (s->n == s->capv) {
        s->capv = s->capv ? s->capv * 2 : 1024;
        s->v = mm_xrealloc(s->v, s->capv * sizeof(*s->v));
    }
    s->v[s->n] = (key_entry){k, 0};
    s->table[i] = (key_slot_t){k, (uint32_t)s->n + 1, block};
    keyset_node(s, (uint32_t)s->n++, block);
}

static void keyset_clear(keyset *s)
{
    if (s->table)
        memset(s->table, 0, s->cap * sizeof(*s->table));
    s->n = 0;
    s->nnodes = 0;
}

static void keyset_free(keyset *s)
{
    free(s->table);
    free(s->v);
    free(s->nodes);
}

static const key_entry *sort_base;
static int key_cmp(const void *a, const void *b)
{
    uint64_t x = sort_base[*(const uint32_t *)a].key, y = sort_base[*(const uint32_t *)b].key;
    return x < y ? -1 : x > y;
}

struct mm_logw {
    char dir[4096];
    char qdir[4200];
    int lockfd, fd, dirfd;
    mm_logs_conf conf;
    uint8_t sk[64], pk[32];
    uint64_t key_id;
    /* the open segment */
    uint64_t segno;     /* number of the open (or next) segment */
    uint64_t seg_first; /* first event number in it */
    uint64_t seg_events;
    uint64_t off; /* bytes written to it */
    uint8_t seghdr[MM_SEG_HEADER_LEN];
    uint8_t chain[32]; /* hash of the last block (or of the header) */
    int64_t tmin, tmax;
    idx_entry *idx;
    size_t nidx, capidx;
    keyset keys;
    /* between segments */
    uint8_t prev_seal[32]; /* seal of the newest sealed segment (zeros before the first) */
    uint64_t next_seq;
    mm_logs_anchor anchor;
    /* the run being held (seg_run.c); while it is written, the segment as it was before the
     * run's first block, so a run that cannot be written whole is cut off again */
    mm_logrun run;
    uint32_t run_done; /* events of the run (stored order) already in blocks */
    int run_writing;   /* its order is fixed: no event joins it until it is written */
    struct {
        uint64_t off, seg_events, next_seq;
        size_t nidx, nnodes;
        uint8_t chain[32];
        int64_t tmin, tmax;
    } run_at;
    mm_logw_sink sink;
    void *sink_arg;
    /* journal replay (dry): the next dry_left events are already stored from dry_seq on */
    int dry;
    uint64_t dry_left, dry_seq, dry_seg_start;
    /* the block being filled */
    mm_blockb bb;
    mm_buf payload;
    ZSTD_CCtx *cctx;
    uint8_t *cbuf;
    size_t ccap;
    uint64_t bytes_written;
    int full; /* the last write failed for want of space */
};

static mm_rc io_err(mm_error *err, const char *path, const char *what)
{
    return mm_error_set(err, MM_ERR_IO, path, 0, 0, "%s: %s", what, strerror(errno));
}

static int is_full(int e)
{
    return e == ENOSPC || e == EDQUOT;
}

/* A write to path failed with errno e: the disk-full alarm when it was space, else an I/O
 * error. */
static mm_rc write_err(mm_logw *w, mm_error *err, const char *path, int e, const char *what)
{
    w->full = is_full(e);
    if (w->full)
        return mm_error_set(err, MM_ERR_IO, path, 0, 0,
                            "ディスクがいっぱいです。ログを保存できません。空きを作ってから取り込み"
                            "直してください（保存済みの区画はそのままです） / disk full: no space "
                            "left to store logs (%s); free space, then ingest again (what is "
                            "stored is intact)",
                            what);
    errno = e;
    return io_err(err, path, what);
}

static void seg_path(const mm_logw *w, uint64_t n, const char *suffix, char *out, size_t outsz)
{
    char name[64];
    mm_seg_name(n, name, sizeof(name));
    snprintf(out, outsz, "%s/%s%s", w->dir, name, suffix);
}

/* Starts segment w->segno: writes its header to a new .open file. */
static mm_rc seg_start(mm_logw *w, mm_error *err)
{
    char path[4400];
    seg_path(w, w->segno, ".open", path, sizeof(path));
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w->fd < 0)
        return write_err(w, err, path, errno, "cannot create the segment");
    memset(w->seghdr, 0, sizeof(w->seghdr));
    memcpy(w->seghdr, MM_SEG_MAGIC, 8);
    mm_put_u32(w->seghdr + 8, MM_SEG_VERSION);
    mm_put_u32(w->seghdr + 12, MM_SEG_HEADER_LEN);
    mm_put_u64(w->seghdr + 16, w->segno);
    mm_put_u64(w->seghdr + 24, w->next_seq);
    memcpy(w->seghdr + 32, w->prev_seal, 32);
    if (mm_write_full(w->fd, w->seghdr, MM_SEG_HEADER_LEN) != MM_OK) {
        int e = errno;
        close(w->fd);
        w->fd = -1;
        unlink(path); /* no half-written header left behind */
        return write_err(w, err, path, e, "cannot write the segment header");
    }
    mm_seg_header_hash(w->seghdr, w->chain);
    w->off = MM_SEG_HEADER_LEN;
    w->seg_first = w->next_seq;
    w->seg_events = 0;
    w->nidx = 0;
    w->tmin = w->tmax = 0;
    keyset_clear(&w->keys);
    w->bytes_written += MM_SEG_HEADER_LEN;
    return MM_OK;
}

/* The event's user and source keys for the account index and the run's groups (0 for an
 * empty field). */
static void keys_of(const mm_event *ev, uint64_t k[2])
{
    k[0] = ev->f[MM_EVF_USER].n ? mm_bloom_key('u', ev->f[MM_EVF_USER].p, ev->f[MM_EVF_USER].n) : 0;
    k[1] = ev->f[MM_EVF_SRC].n ? mm_bloom_key('s', ev->f[MM_EVF_SRC].p, ev->f[MM_EVF_SRC].n) : 0;
}

/* Notes the event's user and source (keys_of) in the account index, under the block being
 * filled. */
static void note_keys(mm_logw *w, const mm_event *ev, const uint64_t k[2])
{
    uint32_t block = (uint32_t)w->nidx;
    if (ev->f[MM_EVF_USER].n)
        keyset_add(&w->keys, k[0], block);
    if (ev->f[MM_EVF_SRC].n)
        keyset_add(&w->keys, k[1], block);
}

static void idx_add(mm_logw *w, uint64_t off, uint32_t n, uint32_t flags, int64_t tmin,
                    int64_t tmax)
{
    if (w->nidx == w->capidx) {
        w->capidx = w->capidx ? w->capidx * 2 : 64;
        w->idx = mm_xrealloc(w->idx, w->capidx * sizeof(*w->idx));
    }
    w->idx[w->nidx++] = (idx_entry){off, n, flags, tmin, tmax};
    if (w->seg_events == 0 || tmin < w->tmin)
        w->tmin = tmin;
    if (w->seg_events == 0 || tmax > w->tmax)
        w->tmax = tmax;
    w->seg_events += n;
}

/* Writes the block being filled; run_end marks the last block of a run. */
static mm_rc flush_block(mm_logw *w, int run_end, mm_error *err)
{
    uint8_t hdr[MM_BLK_HEADER_LEN];
    size_t clen;
    uint64_t first = w->next_seq - w->bb.n;
    mm_rc rc;

    if (w->bb.n == 0)
        return MM_OK;
    if ((rc = mm_blockb_finish(&w->bb, &w->payload)) != MM_OK)
        return mm_error_set(err, rc, w->dir, 0, 0, "block too large");
    if (ZSTD_compressBound(w->payload.len) > w->ccap) {
        w->ccap = ZSTD_compressBound(w->payload.len);
        free(w->cbuf);
        w->cbuf = mm_xmalloc(w->ccap);
    }
    clen = ZSTD_compressCCtx(w->cctx, w->cbuf, w->ccap, w->payload.data, w->payload.len,
                             w->conf.zstd_level);
    if (ZSTD_isError(clen))
        return mm_error_set(err, MM_ERR_IO, w->dir, 0, 0, "zstd: %s", ZSTD_getErrorName(clen));
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, MM_BLK_MAGIC, 4);
    mm_put_u32(hdr + 4, (uint32_t)clen);
    mm_put_u32(hdr + 8, (uint32_t)w->payload.len);
    mm_put_u32(hdr + 12, w->bb.n | (run_end ? MM_BLK_RUN_END : 0));
    mm_put_u64(hdr + 16, first);
    mm_put_u64(hdr + 24, (uint64_t)w->bb.tmin);
    mm_put_u64(hdr + 32, (uint64_t)w->bb.tmax);
    mm_block_hash(w->chain, hdr, w->cbuf, clen, hdr + 40);
    if (mm_write_full(w->fd, hdr, sizeof(hdr)) != MM_OK ||
        mm_write_full(w->fd, w->cbuf, clen) != MM_OK) {
        /* cut the partial block off: the segment stays whole blocks; the block's events stay
         * pending in memory and are written by the next flush */
        int e = errno;
        char path[4400];
        seg_path(w, w->segno, ".open", path, sizeof(path));
        if (ftruncate(w->fd, (off_t)w->off) != 0 || lseek(w->fd, (off_t)w->off, SEEK_SET) < 0)
            e = errno;
        return write_err(w, err, path, e, "cannot write a block");
    }
    w->full = 0;
    memcpy(w->chain, hdr + 40, 32);
    idx_add(w, w->off, w->bb.n, run_end ? MM_FTR_IDX_RUN_END : 0, w->bb.tmin, w->bb.tmax);
    w->off += sizeof(hdr) + clen;
    w->bytes_written += sizeof(hdr) + clen;
    mm_blockb_reset(&w->bb);
    return MM_OK;
}

/* Appends the signed footer, fsyncs, renames .open → .mms and fsyncs the directory. */
static mm_rc seal_open(mm_logw *w, mm_error *err)
{
    uint32_t mbits = (uint32_t)((w->keys.n * 10 + 63) / 64 * 64);
    size_t flen, pos, nk;
    uint8_t *f;
    char from[4400], to[4400];
    mm_rc rc = MM_OK;
    uint32_t *order = mm_xmalloc((w->keys.n ? w->keys.n : 1) * sizeof(uint32_t));
    uint32_t *at = mm_xmalloc((w->keys.n ? w->keys.n : 1) * sizeof(uint32_t));
    uint32_t *blocks = mm_xmalloc((w->keys.nnodes ? w->keys.nnodes : 1) * sizeof(uint32_t));
    uint32_t *poff = mm_xmalloc((w->keys.n ? w->keys.n : 1) * sizeof(uint32_t));
    uint32_t bitmap_len = (uint32_t)((w->nidx + 7) / 8);
    mm_buf post;

    /* the account index: keys ascending, each with its blocks as varint deltas or a bitmap */
    nk = w->keys.n;
    mm_buf_init(&post, MM_SEG_MAX_FOOTER);
    for (size_t i = 0; i < nk; i++)
        order[i] = (uint32_t)i;
    sort_base = w->keys.v;
    qsort(order, nk, sizeof(*order), key_cmp);
    {
        uint32_t acc = 0;
        for (size_t i = 0; i < nk; i++) /* the node lists, counted here, not per event */
            w->keys.v[i].count = 0;
        for (size_t j = 0; j < w->keys.nnodes; j++)
            w->keys.v[w->keys.nodes[j].entry].count++;
        for (size_t i = 0; i < nk; i++) {
            at[order[i]] = acc;
            acc += w->keys.v[order[i]].count;
        }
        for (size_t j = 0; j < w->keys.nnodes; j++) /* nodes are in block order */
            blocks[at[w->keys.nodes[j].entry]++] = w->keys.nodes[j].block;
    }
    for (size_t i = 0, bfrom = 0; i < nk && rc == MM_OK; i++) {
        uint32_t cnt = w->keys.v[order[i]].count, prev = 0, vlen = 0;
        for (uint32_t j = 0; j < cnt; j++) {
            uint32_t d = blocks[bfrom + j] - prev;
            prev = blocks[bfrom + j];
            do {
                vlen++;
                d >>= 7;
            } while (d);
        }
        poff[i] = (uint32_t)post.len;
        if (vlen > bitmap_len) { /* dense: a bitmap of the blocks */
            size_t b0 = post.len;
            poff[i] |= MM_FTR_KEY_BITMAP;
            for (uint32_t j = 0; j < bitmap_len && rc == MM_OK; j++)
                rc = mm_buf_addc(&post, 0);
            for (uint32_t j = 0; j < cnt && rc == MM_OK; j++)
                post.data[b0 + blocks[bfrom + j] / 8] |= (char)(1u << (blocks[bfrom + j] % 8));
        } else {
            prev = 0;
            for (uint32_t j = 0; j < cnt && rc == MM_OK; j++) {
                rc = mm_buf_add_varint(&post, blocks[bfrom + j] - prev);
                prev = blocks[bfrom + j];
            }
        }
        bfrom += cnt;
    }
    free(at);
    free(blocks);
    if (rc != MM_OK || post.len >= MM_FTR_KEY_BITMAP) {
        free(order);
        free(poff);
        mm_buf_release(&post);
        return mm_error_set(err, MM_ERR_INVALID, w->dir, 0, 0, "account index too large");
    }
    if (mbits < 64)
        mbits = 64;
    flen = MM_FTR_FIXED_LEN + w->nidx * MM_FTR_INDEX_ENTRY + mbits / 8 + nk * MM_FTR_KEY_ENTRY +
           post.len + MM_SIG_LEN + MM_TRAILER_LEN;
    f = mm_xcalloc(1, flen);
    memcpy(f, MM_FTR_MAGIC, 8);
    mm_put_u32(f + 8, (uint32_t)flen);
    mm_put_u32(f + 12, (uint32_t)w->nidx);
    mm_put_u64(f + 16, w->segno);
    mm_put_u64(f + 24, w->seg_first);
    mm_put_u64(f + 32, w->seg_events);
    mm_put_u64(f + 40, (uint64_t)w->tmin);
    mm_put_u64(f + 48, (uint64_t)w->tmax);
    memcpy(f + 56, w->chain, 32);
    mm_put_u64(f + 88, w->key_id);
    mm_put_u32(f + 96, mbits);
    mm_put_u32(f + 100, MM_BLOOM_K);
    mm_put_u32(f + 104, (uint32_t)nk);
    mm_put_u32(f + 108, (uint32_t)post.len);
    pos = MM_FTR_FIXED_LEN;
    for (size_t i = 0; i < w->nidx; i++, pos += MM_FTR_INDEX_ENTRY) {
        mm_put_u64(f + pos, w->idx[i].off);
        mm_put_u32(f + pos + 8, w->idx[i].n);
        mm_put_u32(f + pos + 12, w->idx[i].flags);
        mm_put_u64(f + pos + 16, (uint64_t)w->idx[i].tmin);
        mm_put_u64(f + pos + 24, (uint64_t)w->idx[i].tmax);
    }
    for (size_t i = 0; i < nk; i++)
        mm_bloom_add(f + pos, mbits, w->keys.v[i].key);
    pos += mbits / 8;
    for (size_t i = 0; i < nk; i++, pos += MM_FTR_KEY_ENTRY) {
        mm_put_u64(f + pos, w->keys.v[order[i]].key);
        mm_put_u32(f + pos + 8, poff[i]);
        mm_put_u32(f + pos + 12, w->keys.v[order[i]].count);
    }
    if (post.len) /* a segment without users or sources has no postings */
        memcpy(f + pos, post.data, post.len);
    pos += post.len;
    free(order);
    free(poff);
    mm_buf_release(&post);
    crypto_sign_detached(f + pos, NULL, f, pos, w->sk);
    pos += MM_SIG_LEN;
    mm_put_u32(f + pos, (uint32_t)flen);
    memcpy(f + pos + 8, MM_TRAILER_MAGIC, 8);

    seg_path(w, w->segno, ".open", from, sizeof(from));
    seg_path(w, w->segno, "", to, sizeof(to));
    if (mm_write_full(w->fd, f, flen) != MM_OK) { /* cut it off; the segment stays open */
        int e = errno;
        if (ftruncate(w->fd, (off_t)w->off) != 0 || lseek(w->fd, (off_t)w->off, SEEK_SET) < 0)
            e = errno;
        free(f);
        return write_err(w, err, from, e, "cannot write the segment footer");
    }
    if (fsync(w->fd) != 0)
        rc = write_err(w, err, from, errno, "fsync");
    close(w->fd);
    w->fd = -1;
    if (rc == MM_OK && rename(from, to) != 0)
        rc = io_err(err, to, "cannot seal the segment");
    if (rc == MM_OK)
        fsync(w->dirfd);
    if (rc == MM_OK) {
        crypto_generichash(w->prev_seal, 32, f, flen - MM_TRAILER_LEN, NULL, 0);
        w->anchor.segno = w->segno;
        memcpy(w->anchor.seal, w->prev_seal, 32);
        w->anchor.events = w->seg_first + w->seg_events;
        w->bytes_written += flen;
        w->segno++;
    }
    free(f);
    return rc;
}

/* Moves path into the quarantine directory with a time stamp; notes it. */
static void quarantine(mm_logw *w, const char *path, const char *name, mm_buf *notices,
                       const char *why)
{
    char to[4600];
    snprintf(to, sizeof(to), "%s/%s.%lld", w->qdir, name, (long long)(mm_logs_now_ms() / 1000));
    if (rename(path, to) == 0) {
        fsync(w->dirfd);
        if (notices)
            mm_buf_addf(notices,
                        "ログ保管庫: %s を隔離しました (%s): %s / log store: quarantined %s (%s)\n",
                        name, to, why, name, why);
    } else if (notices) {
        mm_buf_addf(notices, "ログ保管庫: %s を隔離できません: %s / cannot quarantine %s: %s\n",
                    name, strerror(errno), name, strerror(errno));
    }
}

/*
 * Recovers seg-N.mms.open left by a crash: whole blocks whose hashes chain are kept and the
 * segment stays open for appending (it is sealed at the end of this run); a torn tail is
 * copied to quarantine/ and cut off. A segment whose header is unreadable is quarantined whole.
 */
static mm_rc recover_open(mm_logw *w, uint64_t n, mm_buf *notices, mm_error *err)
{
    char path[4400], name[80];
    struct stat sb;
    uint8_t *data = NULL;
    size_t size, pos;
    int fd = -1;
    ZSTD_DCtx *d = NULL;
    mm_rc rc = MM_OK;
    uint8_t *tmp = NULL;
    size_t tmpcap = 0;

    seg_path(w, n, ".open", path, sizeof(path));
    snprintf(name, sizeof(name), "seg-%08llu.mms.open", (unsigned long long)n);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rc = io_err(err, path, "cannot open the unsealed segment");
        goto out;
    }
    size = (size_t)sb.st_size;
    data = mm_xmalloc(size ? size : 1);
    if (size && mm_read_full(fd, data, size, 0) != MM_OK) {
        rc = io_err(err, path, "cannot read the unsealed segment");
        goto out;
    }
    if (size < MM_SEG_HEADER_LEN || mm_seg_version(data, size) != MM_SEG_VERSION ||
        mm_get_u64(data + 16) != n || memcmp(data + 32, w->prev_seal, 32) != 0 ||
        mm_get_u64(data + 24) != w->next_seq) {
        close(fd);
        fd = -1;
        quarantine(w, path, name, notices,
                   "ヘッダーが不完全か前の区画とつながりません / header torn or not chained");
        goto out;
    }
    memcpy(w->seghdr, data, MM_SEG_HEADER_LEN);
    mm_seg_header_hash(w->seghdr, w->chain);
    w->segno = n;
    w->seg_first = w->next_seq;
    w->seg_events = 0;
    w->nidx = 0;
    keyset_clear(&w->keys);
    d = ZSTD_createDCtx();
    pos = MM_SEG_HEADER_LEN;
    {
        /* whole blocks that chain and decode, kept up to the last one that ends a run: a run
         * is written whole or not at all (its events are still in the journal) */
        size_t keep = pos, at = pos;
        uint64_t events = 0;
        uint8_t chain[32];
        memcpy(chain, w->chain, 32);
        while (at + MM_BLK_HEADER_LEN <= size) {
            const uint8_t *h = data + at;
            uint32_t clen = mm_get_u32(h + 4), ulen = mm_get_u32(h + 8);
            uint32_t cnt = mm_get_u32(h + 12) & MM_BLK_COUNT_MASK;
            uint8_t hash[32];
            mm_event *evs = NULL;
            size_t nev = 0;
            if (memcmp(h, MM_BLK_MAGIC, 4) != 0 || clen > MM_SEG_MAX_BLOCK ||
                ulen > MM_SEG_MAX_BLOCK || clen > size - at - MM_BLK_HEADER_LEN ||
                mm_get_u64(h + 16) != w->seg_first + events)
                break;
            mm_block_hash(chain, h, h + MM_BLK_HEADER_LEN, clen, hash);
            if (memcmp(hash, h + 40, 32) != 0)
                break;
            if (ulen > tmpcap) {
                free(tmp);
                tmpcap = ulen;
                tmp = mm_xmalloc(tmpcap ? tmpcap : 1);
            }
            if (ZSTD_decompressDCtx(d, tmp, tmpcap, h + MM_BLK_HEADER_LEN, clen) != ulen ||
                mm_block_decode(tmp, ulen, w->seg_first + events, &evs, &nev) != MM_OK ||
                nev != cnt) {
                free(evs);
                break;
            }
            free(evs);
            memcpy(chain, hash, 32);
            events += cnt;
            at += MM_BLK_HEADER_LEN + clen;
            if (mm_get_u32(h + 12) & MM_BLK_RUN_END)
                keep = at;
        }
        /* the kept blocks again: their keys into the account index (decoded twice only on
         * recovery) */
        for (at = pos; at < keep;) {
            const uint8_t *h = data + at;
            uint32_t clen = mm_get_u32(h + 4), ulen = mm_get_u32(h + 8);
            uint32_t cnt = mm_get_u32(h + 12) & MM_BLK_COUNT_MASK;
            mm_event *evs = NULL;
            size_t nev = 0;
            if (ZSTD_decompressDCtx(d, tmp, tmpcap, h + MM_BLK_HEADER_LEN, clen) != ulen ||
                mm_block_decode(tmp, ulen, w->seg_first + w->seg_events, &evs, &nev) != MM_OK) {
                free(evs);
                rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "block changed while recovering");
                goto out;
            }
            for (size_t i = 0; i < nev; i++) {
                uint64_t k[2];
                keys_of(&evs[i], k);
                note_keys(w, &evs[i], k);
            }
            free(evs);
            {
                uint8_t hash[32];
                mm_block_hash(w->chain, h, h + MM_BLK_HEADER_LEN, clen, hash);
                memcpy(w->chain, hash, 32);
            }
            idx_add(w, at, cnt, (mm_get_u32(h + 12) & MM_BLK_RUN_END) ? MM_FTR_IDX_RUN_END : 0,
                    (int64_t)mm_get_u64(h + 24), (int64_t)mm_get_u64(h + 32));
            at += MM_BLK_HEADER_LEN + clen;
        }
        pos = keep;
    }
    if (pos < size) { /* a torn tail or an unfinished run: a copy to quarantine, then cut */
        char to[4600];
        int qfd;
        snprintf(to, sizeof(to), "%s/%s.tail.%lld", w->qdir, name,
                 (long long)(mm_logs_now_ms() / 1000));
        qfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (qfd < 0 || mm_write_full(qfd, data + pos, size - pos) != MM_OK || fsync(qfd) != 0) {
            if (qfd >= 0)
                close(qfd);
            rc = io_err(err, to, "cannot quarantine the torn tail");
            goto out;
        }
        close(qfd);
        if (ftruncate(fd, (off_t)pos) != 0 || fsync(fd) != 0) {
            rc = io_err(err, path, "cannot cut the torn tail");
            goto out;
        }
        if (notices)
            mm_buf_addf(
                notices,
                "ログ保管庫: 異常終了で途中まで書かれた区画 %s を回復しました（完全なブロック "
                "%zu 個、%llu 件を保持）。壊れた末尾 %zu バイトは %s に隔離しました / log "
                "store: recovered %s after a crash (%zu whole blocks, %llu events kept); the "
                "torn tail (%zu bytes) is in %s\n",
                name, w->nidx, (unsigned long long)w->seg_events, size - pos, to, name, w->nidx,
                (unsigned long long)w->seg_events, size - pos, to);
    }
    if (lseek(fd, (off_t)pos, SEEK_SET) < 0) {
        rc = io_err(err, path, "seek");
        goto out;
    }
    w->fd = fd;
    fd = -1;
    w->off = pos;
    w->next_seq = w->seg_first + w->seg_events;
out:
    if (fd >= 0)
        close(fd);
    ZSTD_freeDCtx(d);
    free(tmp);
    free(data);
    return rc;
}

mm_rc mm_logs_list_segments(const char *logs_dir, char ***names, size_t *n, mm_error *err)
{
    DIR *d = opendir(logs_dir);
    struct dirent *de;
    char **v = NULL;
    size_t cnt = 0, cap = 0;

    *names = NULL;
    *n = 0;
    if (!d) {
        if (errno == ENOENT)
            return MM_OK;
        return io_err(err, logs_dir, "cannot list the log store");
    }
    while ((de = readdir(d)) != NULL) {
        if (!mm_seg_number(de->d_name))
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            v = mm_xrealloc(v, cap * sizeof(*v));
        }
        v[cnt++] = mm_xstrdup(de->d_name);
    }
    closedir(d);
    /* fixed-width names sort by number */
    for (size_t i = 1; i < cnt; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *names = v;
    *n = cnt;
    return MM_OK;
}

mm_rc mm_logw_open(const char *logs_dir, const mm_logs_conf *conf, const uint8_t sk[64],
                   mm_buf *notices, mm_logw **out, mm_error *err)
{
    mm_logw *w = mm_xcalloc(1, sizeof(*w));
    char path[4400];
    char **names = NULL;
    size_t nnames = 0;
    mm_rc rc;
    DIR *d = NULL;
    struct dirent *de;
    uint64_t open_n = 0;

    *out = NULL;
    w->lockfd = w->fd = w->dirfd = -1;
    w->conf = *conf;
    mm_strlcpy(w->dir, logs_dir, sizeof(w->dir));
    snprintf(w->qdir, sizeof(w->qdir), "%s/quarantine", logs_dir);
    memcpy(w->sk, sk, 64);
    crypto_sign_ed25519_sk_to_pk(w->pk, w->sk);
    w->key_id = mm_logkey_id(w->pk);
    mm_blockb_init(&w->bb);
    mm_logrun_init(&w->run);
    mm_buf_init(&w->payload, (size_t)MM_SEG_MAX_BLOCK);
    w->cctx = ZSTD_createCCtx();
    w->segno = 1;
    if ((rc = mm_mkdir_p(w->qdir, 0700, err)) != MM_OK)
        goto fail;
    snprintf(path, sizeof(path), "%s/.lock", logs_dir);
    w->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->lockfd < 0) {
        rc = io_err(err, path, "cannot open the lock file");
        goto fail;
    }
    if (flock(w->lockfd, LOCK_EX | LOCK_NB) != 0) {
        rc = mm_error_set(err, MM_ERR_DENIED, logs_dir, 0, 0,
                          "ほかの取込か収集が実行中です (another import or the collector is "
                          "writing to this log store)");
        goto fail;
    }
    w->dirfd = open(logs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if ((rc = mm_logs_list_segments(logs_dir, &names, &nnames, err)) != MM_OK)
        goto fail;
    if (nnames) { /* continue the chain from the newest sealed segment */
        const char *last = names[nnames - 1];
        int fd;
        struct stat sb;
        uint8_t *fb = NULL;
        mm_footer f;
        snprintf(path, sizeof(path), "%s/%s", logs_dir, last);
        w->segno = mm_seg_number(last) + 1;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size >= 12) {
            uint8_t vh[12];
            uint32_t ver =
                mm_read_full(fd, vh, sizeof(vh), 0) == MM_OK ? mm_seg_version(vh, 12) : 0;
            if (ver != 0 && ver != MM_SEG_VERSION) {
                close(fd);
                rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                                  "区画の形式 %u はこの Mamori では続けて書けません（形式 %u の"
                                  "み） / segment format version %u: this Mamori writes "
                                  "version %u only",
                                  ver, MM_SEG_VERSION, ver, MM_SEG_VERSION);
                goto fail;
            }
        }
        if (fd >= 0 && fstat(fd, &sb) == 0 &&
            mm_footer_read(fd, (uint64_t)sb.st_size, &fb, &f) == MM_OK) {
            crypto_generichash(w->prev_seal, 32, fb, f.len - MM_TRAILER_LEN, NULL, 0);
            w->next_seq = f.first_seq + f.events;
            w->anchor.segno = f.segno;
            memcpy(w->anchor.seal, w->prev_seal, 32);
            w->anchor.events = w->next_seq;
        } else if (notices) {
            mm_buf_addf(notices,
                        "ログ保管庫: 最新の区画 %s の末尾が読めません。`mamori logs verify` で確認"
                        "してください / log store: cannot read the footer of %s; run `mamori logs "
                        "verify`\n",
                        last, last);
        }
        free(fb);
        if (fd >= 0)
            close(fd);
    }
    /* a segment left open by a crash */
    d = opendir(logs_dir);
    while (d && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        char base[64];
        if (l != 21 || strcmp(de->d_name + 16, ".open") != 0)
            continue;
        memcpy(base, de->d_name, 16);
        base[16] = '\0';
        if (mm_seg_number(base) >= open_n)
            open_n = mm_seg_number(base);
    }
    if (d)
        closedir(d);
    if (open_n) {
        if (open_n != w->segno) {
            char name[80];
            snprintf(name, sizeof(name), "seg-%08llu.mms.open", (unsigned long long)open_n);
            seg_path(w, open_n, ".open", path, sizeof(path));
            quarantine(w, path, name, notices,
                       "番号が最新の区画に続きません / its number does not follow the newest "
                       "sealed segment");
        } else if ((rc = recover_open(w, open_n, notices, err)) != MM_OK) {
            goto fail;
        }
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    *out = w;
    return MM_OK;
fail:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    mm_logw_free(&w);
    return rc;
}

static uint32_t run_limit(const mm_logw *w)
{
    return (uint32_t)(w->conf.run_events > 0 ? w->conf.run_events : MM_LOGS_RUN_EVENTS);
}

/* Hands the run's events to the sink in arrival order, numbered by their place in the store
 * (first = the number of the run's first stored event), then empties the run. */
static void run_deliver(mm_logw *w, uint64_t first)
{
    if (w->sink)
        for (uint32_t i = 0; i < w->run.n; i++) {
            mm_event ev;
            mm_logrun_event(&w->run, i, &ev, NULL);
            ev.seq = first + w->run.pos[i];
            w->sink(w->sink_arg, &ev);
        }
    mm_logrun_reset(&w->run);
    w->run_writing = 0;
    w->run_done = 0;
}

/*
 * Writes the held run as blocks in its grouped order, the last block marked as the run's end,
 * then delivers it. When a write fails (the disk is full) the blocks written stay and the next
 * call goes on from the event that did not fit; mm_logw_discard_pending cuts them off.
 */
static mm_rc write_run(mm_logw *w, mm_error *err)
{
    mm_rc rc;
    if (w->run.n == 0)
        return MM_OK;
    if (w->fd < 0 && (rc = seg_start(w, err)) != MM_OK)
        return rc;
    if (!w->run_writing) {
        mm_logrun_order(&w->run);
        w->run_at.off = w->off;
        w->run_at.seg_events = w->seg_events;
        w->run_at.next_seq = w->next_seq;
        w->run_at.nidx = w->nidx;
        w->run_at.nnodes = w->keys.nnodes;
        w->run_at.tmin = w->tmin;
        w->run_at.tmax = w->tmax;
        memcpy(w->run_at.chain, w->chain, 32);
        w->run_done = 0;
        w->run_writing = 1;
    }
    for (; w->run_done < w->run.n; w->run_done++) {
        mm_event ev;
        uint64_t k[2];
        mm_logrun_prefetch(&w->run, w->run_done); /* read out of order: fetch ahead */
        mm_logrun_event_at(&w->run, w->run_done, &ev, k);
        if ((w->bb.n >= (uint32_t)w->conf.block_events ||
             w->bb.total_raw + ev.f[MM_EVF_RAW].n + 1024 > MM_SEG_MAX_BLOCK / 4 || w->full) &&
            (rc = flush_block(w, 0, err)) != MM_OK)
            return rc;
        if (w->keys.table)
            for (int i = 0; i < 2; i++)
                __builtin_prefetch(&w->keys.table[key_slot(k[i], w->keys.cap)], 1);
        ev.seq = w->next_seq;
        if ((rc = mm_blockb_add(&w->bb, &ev)) != MM_OK) /* lines are at most 64 KiB: not seen */
            return mm_error_set(err, rc, w->dir, 0, 0, "event too large for a block");
        w->next_seq++;
        note_keys(w, &ev, k);
    }
    if ((rc = flush_block(w, 1, err)) != MM_OK)
        return rc;
    run_deliver(w, w->run_at.next_seq);
    return MM_OK;
}

/* Numbers a held run of events that are already stored (journal replay) and delivers it. */
static void dry_deliver(mm_logw *w)
{
    uint64_t n = w->run.n;
    if (!n)
        return;
    mm_logrun_order(&w->run);
    run_deliver(w, w->dry_seq);
    w->dry_seq += n;
    if (w->dry_seq - w->dry_seg_start >= (uint64_t)w->conf.segment_events)
        w->dry_seg_start = w->dry_seq;
}

void mm_logw_set_sink(mm_logw *w, mm_logw_sink fn, void *arg)
{
    w->sink = fn;
    w->sink_arg = arg;
}

uint64_t mm_logw_replay(mm_logw *w, uint64_t first, uint64_t n)
{
    uint64_t left = w->dry ? w->dry_left : 0;
    if (w->dry) /* the end of a replay: what is held was stored before the crash */
        dry_deliver(w);
    w->dry = n > 0;
    w->dry_left = n;
    w->dry_seq = w->dry_seg_start = first;
    return left;
}

mm_rc mm_logw_append(mm_logw *w, const mm_event *ev, mm_error *err)
{
    mm_rc rc;
    uint64_t keys[2];

    keys_of(ev, keys);
    if (w->dry && w->dry_left) { /* already stored: grouped the same way, only numbered */
        mm_logrun_add(&w->run, ev, keys);
        if (--w->dry_left == 0 || w->run.n >= run_limit(w) ||
            w->dry_seq - w->dry_seg_start + w->run.n >= (uint64_t)w->conf.segment_events)
            dry_deliver(w);
        w->dry = w->dry_left > 0;
        return MM_OK;
    }
    /* A full run is written (a full segment sealed) when the next event arrives, before it is
     * accepted: when the disk is full the event is refused (the caller counts it) and nothing
     * accepted is lost. */
    if (w->run.n &&
        (w->run_writing || w->run.n >= run_limit(w) ||
         w->seg_events + w->run.n >= (uint64_t)w->conf.segment_events) &&
        (rc = write_run(w, err)) != MM_OK)
        return rc;
    if (w->fd >= 0 && w->seg_events >= (uint64_t)w->conf.segment_events &&
        (rc = seal_open(w, err)) != MM_OK)
        return rc;
    if (w->fd < 0 && (rc = seg_start(w, err)) != MM_OK)
        return rc;
    mm_logrun_add(&w->run, ev, keys);
    return MM_OK;
}

int mm_logw_disk_full(const mm_logw *w)
{
    return w->full;
}

uint64_t mm_logw_discard_pending(mm_logw *w)
{
    uint64_t n = w->run.n;
    if (w->run_writing) { /* cut off the blocks of the run written so far */
        if (w->fd >= 0 && w->off != w->run_at.off &&
            (ftruncate(w->fd, (off_t)w->run_at.off) != 0 ||
             lseek(w->fd, (off_t)w->run_at.off, SEEK_SET) < 0))
            w->full = 1; /* left behind: recovery cuts an unfinished run off */
        w->off = w->run_at.off;
        w->seg_events = w->run_at.seg_events;
        w->next_seq = w->run_at.next_seq;
        w->nidx = w->run_at.nidx;
        w->tmin = w->run_at.tmin;
        w->tmax = w->run_at.tmax;
        memcpy(w->chain, w->run_at.chain, 32);
        w->keys.nnodes = w->run_at.nnodes;
        for (size_t i = 0; i < w->keys.cap; i++) /* their blocks are gone: new nodes again */
            w->keys.table[i].last_block = UINT32_MAX;
    }
    mm_blockb_reset(&w->bb);
    mm_logrun_reset(&w->run);
    w->run_writing = 0;
    w->run_done = 0;
    return n;
}

mm_rc mm_logw_seal(mm_logw *w, mm_error *err)
{
    mm_rc rc;
    if (w->dry)
        mm_logw_replay(w, 0, 0);
    if ((rc = write_run(w, err)) != MM_OK)
        return rc;
    if (w->fd < 0)
        return MM_OK;
    if (w->seg_events == 0) { /* nothing in it: remove the empty file */
        char path[4400];
        seg_path(w, w->segno, ".open", path, sizeof(path));
        close(w->fd);
        w->fd = -1;
        unlink(path);
        return MM_OK;
    }
    return seal_open(w, err);
}

void mm_logw_anchor(const mm_logw *w, mm_logs_anchor *a)
{
    memset(a, 0, sizeof(*a));
    a->segno = w->anchor.segno;
    memcpy(a->seal, w->anchor.seal, 32);
    a->events = w->anchor.events;
}

uint64_t mm_logw_bytes_written(const mm_logw *w)
{
    return w->bytes_written;
}

void mm_logw_free(mm_logw **wp)
{
    mm_logw *w = wp ? *wp : NULL;
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd); /* an unsealed segment stays .open and is recovered next time */
    if (w->dirfd >= 0)
        close(w->dirfd);
    if (w->lockfd >= 0)
        close(w->lockfd);
    sodium_memzero(w->sk, sizeof(w->sk));
    mm_blockb_release(&w->bb);
    mm_logrun_release(&w->run);
    mm_buf_release(&w->payload);
    ZSTD_freeCCtx(w->cctx);
    free(w->cbuf);
    free(w->idx);
    keyset_free(&w->keys);
    free(w);
    *wp = NULL;
}
