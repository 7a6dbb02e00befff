/*
 * Queries over the sealed segments: a segment is skipped when its time range (footer) misses
 * the query or its bloom filter says the user or source is not in it; with a user or source,
 * the footer's account index names the only blocks that hold it; a block is skipped by its
 * time range (footer index). Only the blocks left are decompressed and decoded. A run's
 * events are stored grouped by account, so the matches of one run are held (copied) and
 * handed out by time, then number.
 */
#include <fcntl.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "logs_int.h"

static int overlaps(const mm_logq *q, int64_t tmin, int64_t tmax)
{
    if (q->since_ms && tmax < q->since_ms)
        return 0;
    if (q->until_ms && tmin >= q->until_ms)
        return 0;
    return 1;
}

static int matches(const mm_logq *q, const mm_event *ev)
{
    if (q->since_ms && ev->time_ms < q->since_ms)
        return 0;
    if (q->until_ms && ev->time_ms >= q->until_ms)
        return 0;
    if (q->kind >= 0 && ev->kind != q->kind)
        return 0;
    if (q->user && !(ev->f[MM_EVF_USER].n == strlen(q->user) &&
                     strncasecmp(ev->f[MM_EVF_USER].p, q->user, ev->f[MM_EVF_USER].n) == 0))
        return 0;
    if (q->src && !mm_sv_eq(ev->f[MM_EVF_SRC], q->src))
        return 0;
    if (q->device && !mm_sv_eq(ev->f[MM_EVF_DEVICE], q->device))
        return 0;
    return 1;
}

/* Hands out the held matches of one run by time, then number, up to the query's limit, and
 * empties the run; 1 when the caller or the limit stops the query. */
static int emit(mm_logrun *held, const mm_logq *q, mm_logq_fn fn, void *arg, mm_logq_stats *stats)
{
    int stop = 0;
    mm_logrun_order_by_time(held);
    for (uint32_t i = 0; i < held->n && !stop; i++) {
        mm_event ev;
        mm_logrun_event(held, held->order[i], &ev, NULL);
        stats->matched++;
        if (fn(arg, &ev) || (q->limit > 0 && stats->matched >= (uint64_t)q->limit))
            stop = 1;
    }
    mm_logrun_reset(held);
    return stop;
}

/* Counts a damaged part the query goes past, remembering the first one. */
static void damaged(mm_logq_stats *st, const char *seg, long block)
{
    if (block < 0)
        st->segments_damaged++;
    else
        st->blocks_damaged++;
    if (!st->first_damaged[0]) {
        if (block < 0)
            snprintf(st->first_damaged, sizeof(st->first_damaged), "%s", seg);
        else
            snprintf(st->first_damaged, sizeof(st->first_damaged), "%s block %ld", seg, block);
    }
}

mm_rc mm_logs_query(const char *logs_dir, const mm_logq *q, mm_logq_fn fn, void *arg,
                    mm_logq_stats *stats, mm_error *err)
{
    char **names = NULL;
    size_t nnames = 0;
    mm_rc rc;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    uint8_t *tmp = NULL;
    size_t tmpcap = 0;
    int stop = 0;
    uint64_t ukey = q->user ? mm_bloom_key('u', q->user, strlen(q->user)) : 0;
    uint64_t skey = q->src ? mm_bloom_key('s', q->src, strlen(q->src)) : 0;
    uint32_t *want = NULL; /* the blocks to read in this segment; NULL: all */
    size_t nwant = 0;
    mm_logrun held; /* the matches of the run being read */

    mm_logrun_init(&held);
    memset(stats, 0, sizeof(*stats));
    if ((rc = mm_logs_list_segments(logs_dir, &names, &nnames, err)) != MM_OK)
        goto out;
    for (size_t s = 0; s < nnames && !stop; s++) {
        char path[4400];
        int fd;
        struct stat sb;
        uint8_t *map = NULL, *fb = NULL;
        mm_footer f;
        uint8_t vh[12];

        snprintf(path, sizeof(path), "%s/%s", logs_dir, names[s]);
        stats->segments++;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && mm_read_full(fd, vh, sizeof(vh), 0) == MM_OK &&
            mm_seg_version(vh, sizeof(vh)) != 0 &&
            mm_seg_version(vh, sizeof(vh)) != MM_SEG_VERSION) {
            uint32_t ver = mm_seg_version(vh, sizeof(vh));
            close(fd);
            rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                              "区画の形式 %u はこの Mamori では読めません（形式 %u のみ） "
                              "(segment format version %u: this Mamori reads version %u only)",
                              ver, MM_SEG_VERSION, ver, MM_SEG_VERSION);
            goto out;
        }
        if (fd < 0 || fstat(fd, &sb) != 0 || mm_footer_read(fd, (uint64_t)sb.st_size, &fb, &f)) {
            if (fd >= 0)
                close(fd);
            damaged(stats, names[s], -1); /* the footer cannot be read: skip the segment */
            continue;
        }
        if (!overlaps(q, f.tmin, f.tmax) ||
            (q->user && !mm_bloom_test(f.bloom, f.bloom_bits, ukey)) ||
            (q->src && !mm_bloom_test(f.bloom, f.bloom_bits, skey))) {
            stats->segments_skipped++;
            free(fb);
            close(fd);
            continue;
        }
        free(want);
        want = NULL;
        nwant = 0;
        if (q->user || q->src) { /* the account index: only the blocks that hold it */
            uint32_t *ub = NULL, *sbl = NULL;
            size_t nu = 0, ns = 0;
            if ((q->user && mm_footer_key_blocks(&f, ukey, &ub, &nu) != MM_OK) ||
                (q->src && mm_footer_key_blocks(&f, skey, &sbl, &ns) != MM_OK)) {
                free(ub);
                free(sbl);
                free(fb);
                close(fd);
                damaged(stats, names[s], -1); /* the account index is damaged */
                continue;
            }
            if (q->user && q->src) { /* both: the blocks in both lists */
                size_t i = 0, j = 0;
                for (; i < nu && j < ns;) {
                    if (ub[i] < sbl[j])
                        i++;
                    else if (ub[i] > sbl[j])
                        j++;
                    else {
                        ub[nwant++] = ub[i];
                        i++;
                        j++;
                    }
                }
                want = ub;
                free(sbl);
            } else {
                want = q->user ? ub : sbl;
                nwant = q->user ? nu : ns;
            }
            if (nwant == 0) {
                stats->segments_skipped++;
                free(fb);
                close(fd);
                continue;
            }
        }
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            free(fb);
            rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "cannot map the segment");
            goto out;
        }
        stats->blocks += f.nblocks;
        if (want)
            stats->blocks_skipped += f.nblocks - nwant;
        for (uint32_t wi = 0, run_end = 0; wi < (want ? (uint32_t)nwant : f.nblocks) && !stop;
             wi++) {
            uint32_t b = want ? want[wi] : wi;
            const uint8_t *e = f.index + (size_t)b * MM_FTR_INDEX_ENTRY;
            uint64_t off = mm_get_u64(e);
            int64_t tmin = (int64_t)mm_get_u64(e + 16), tmax = (int64_t)mm_get_u64(e + 24);
            const uint8_t *h;
            uint32_t clen, ulen;
            mm_event *evs = NULL;
            size_t nev = 0;

            if (b >= run_end) { /* a new run: hand out what the last one matched */
                if (held.n && (stop = emit(&held, q, fn, arg, stats)) != 0)
                    break;
                for (run_end = b; run_end < f.nblocks; run_end++)
                    if (mm_get_u32(f.index + (size_t)run_end * MM_FTR_INDEX_ENTRY + 12) &
                        MM_FTR_IDX_RUN_END)
                        break;
                run_end++;
            }
            if (!overlaps(q, tmin, tmax)) {
                stats->blocks_skipped++;
                continue;
            }
            if (off + MM_BLK_HEADER_LEN > (uint64_t)sb.st_size) {
                damaged(stats, names[s], (long)b); /* out of range */
                continue;
            }
            h = map + off;
            clen = mm_get_u32(h + 4);
            ulen = mm_get_u32(h + 8);
            if (memcmp(h, MM_BLK_MAGIC, 4) != 0 || clen > (uint64_t)sb.st_size - off ||
                ulen > MM_SEG_MAX_BLOCK) {
                damaged(stats, names[s], (long)b);
                continue;
            }
            if (ulen > tmpcap) {
                free(tmp);
                tmpcap = ulen;
                tmp = mm_xmalloc(tmpcap);
            }
            if (ZSTD_decompressDCtx(d, tmp, tmpcap, h + MM_BLK_HEADER_LEN, clen) != ulen ||
                mm_block_decode_match(tmp, ulen, mm_get_u64(h + 16), q, &evs, &nev) != MM_OK) {
                free(evs);
                damaged(stats, names[s], (long)b);
                continue;
            }
            stats->events_scanned += mm_get_u32(h + 12) & MM_BLK_COUNT_MASK;
            for (size_t i = 0; i < nev; i++) {
                static const uint64_t nokeys[2];
                if (matches(q, &evs[i]))
                    mm_logrun_add(&held, &evs[i], nokeys);
            }
            free(evs);
        }
        if (held.n && !stop)
            stop = emit(&held, q, fn, arg, stats);
        mm_logrun_reset(&held);
        munmap(map, (size_t)sb.st_size);
        free(fb);
        if (rc != MM_OK)
            goto out;
    }
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(want);
    free(tmp);
    mm_logrun_release(&held);
    ZSTD_freeDCtx(d);
    return rc;
}
