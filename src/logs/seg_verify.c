/*
 * `mamori logs verify`: walks every segment and proves nothing was changed, removed,
 * reordered or truncated, and says where when something was. Blocks are checked by their
 * hash chain (no decompression needed), footers by their Ed25519 signature, segments by their
 * numbering and the chain of seals, the newest segment against the anchor in mamori.db.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs_int.h"

void mm_logv_report_init(mm_logv_report *r)
{
    memset(r, 0, sizeof(*r));
    mm_buf_init(&r->text, 4u * 1024 * 1024);
}

void mm_logv_report_release(mm_logv_report *r)
{
    mm_buf_release(&r->text);
}

#define MAX_THREADS 8

/* Hashes the compressed bytes of blocks [from, to). */
typedef struct hash_job {
    const uint8_t *map;
    const size_t *offs;
    uint8_t (*inner)[32];
    size_t from, to;
} hash_job;

static void *hash_run(void *arg)
{
    hash_job *j = arg;
    for (size_t k = j->from; k < j->to; k++) {
        const uint8_t *h = j->map + j->offs[k];
        mm_block_hash_inner(h + MM_BLK_HEADER_LEN, mm_get_u32(h + 4), j->inner[k]);
    }
    return NULL;
}

static int nthreads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *e = getenv("MAMORI_VERIFY_THREADS");
    long v;
    if (e && mm_parse_long(e, 1, MAX_THREADS, &v) == MM_OK)
        return (int)v;
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

#define PROBLEM(r, ...)                                                                            \
    do {                                                                                           \
        (r)->problems++;                                                                           \
        if ((r)->problems <= 1000)                                                                 \
            mm_buf_addf(&(r)->text, __VA_ARGS__);                                                  \
    } while (0)

/* Checks one segment file; updates *prev (expected header link in, seal out) and *seq. */
static void verify_segment(const char *dir, const char *name, uint64_t expect_no,
                           const uint8_t pk[32], uint8_t prev[32], uint64_t *seq, mm_logv_report *r)
{
    char path[4400];
    int fd;
    struct stat sb;
    uint8_t *map;
    size_t size, pos, end;
    uint8_t chain[32];
    uint64_t segno = mm_seg_number(name), first, events = 0;
    uint32_t blocks = 0;
    mm_footer f;
    int have_footer;
    size_t *offs = NULL;
    size_t noffs = 0, capoffs = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        PROBLEM(r, "%s: 読めません / cannot be read\n", name);
        if (fd >= 0)
            close(fd);
        return;
    }
    size = (size_t)sb.st_size;
    r->segments++;
    r->bytes += size;
    if (size < MM_SEG_HEADER_LEN) {
        PROBLEM(r, "%s: 切り詰められています（ヘッダーがありません） / truncated: no header\n",
                name);
        close(fd);
        return;
    }
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        PROBLEM(r, "%s: 読めません / cannot be mapped\n", name);
        return;
    }
    if (segno != expect_no)
        PROBLEM(r,
                "%s: 区画 %llu〜%llu がありません（削除されています） / segments %llu-%llu "
                "are missing (removed)\n",
                name, (unsigned long long)expect_no, (unsigned long long)segno - 1,
                (unsigned long long)expect_no, (unsigned long long)segno - 1);
    if (mm_seg_version(map, size) != 0 && mm_seg_version(map, size) != MM_SEG_VERSION) {
        PROBLEM(r,
                "%s: 区画の形式 %u はこの Mamori では読めません（形式 %u のみ） / segment "
                "format version %u: this Mamori reads version %u only\n",
                name, mm_seg_version(map, size), MM_SEG_VERSION, mm_seg_version(map, size),
                MM_SEG_VERSION);
        memset(prev, 0xff, 32);
        munmap(map, size);
        return;
    }
    if (memcmp(map, MM_SEG_MAGIC, 8) != 0 || mm_get_u64(map + 16) != segno) {
        PROBLEM(r,
                "%s: ヘッダーが不正です（番号 %llu） / header damaged or renamed (number "
                "%llu inside)\n",
                name, (unsigned long long)mm_get_u64(map + 16),
                (unsigned long long)mm_get_u64(map + 16));
    }
    first = mm_get_u64(map + 24);
    if (memcmp(map + 32, prev, 32) != 0 && segno == expect_no)
        PROBLEM(r,
                "%s: 前の区画とつながりません（前の区画が差し替えられたか、この区画が別の保管庫の"
                "もの） / does not chain to the previous segment (the previous one was "
                "replaced, or this one comes from elsewhere)\n",
                name);
    if (*seq != UINT64_MAX && first != *seq && segno == expect_no)
        PROBLEM(r,
                "%s: 事象番号 %llu から始まるはずが %llu から / events should start at %llu, "
                "start at %llu\n",
                name, (unsigned long long)*seq, (unsigned long long)first, (unsigned long long)*seq,
                (unsigned long long)first);
    mm_seg_header_hash(map, chain);

    have_footer = 0;
    end = size;
    if (size >= MM_SEG_HEADER_LEN + MM_TRAILER_LEN &&
        memcmp(map + size - 8, MM_TRAILER_MAGIC, 8) == 0) {
        uint32_t flen = mm_get_u32(map + size - MM_TRAILER_LEN);
        if (flen <= size - MM_SEG_HEADER_LEN && mm_footer_parse(map + size - flen, flen, &f) == 0) {
            have_footer = 1;
            end = size - flen;
        }
    }
    if (!have_footer)
        PROBLEM(r,
                "%s: 末尾（署名付きフッター）がありません。切り詰められたか壊れています / no "
                "signed footer: the segment was truncated or its end damaged\n",
                name);

    /* 1: find the blocks; 2: hash their compressed bytes on every core; 3: walk the chain */
    pos = MM_SEG_HEADER_LEN;
    {
        hash_job jobs[MAX_THREADS];
        pthread_t th[MAX_THREADS];
        int nth = nthreads();
        uint8_t(*inner)[32];
        uint64_t eseq = first;
        while (pos < end) {
            const uint8_t *h = map + pos;
            if (end - pos < MM_BLK_HEADER_LEN || memcmp(h, MM_BLK_MAGIC, 4) != 0) {
                PROBLEM(r,
                        "%s block %zu (offset %zu): ブロックの境界が壊れています（切り詰めか"
                        "改ざん） / block header damaged (truncated or changed)\n",
                        name, noffs, pos);
                break;
            }
            if (mm_get_u32(h + 4) > end - pos - MM_BLK_HEADER_LEN) {
                PROBLEM(r, "%s block %zu (events %llu-): 切り詰められています / truncated\n", name,
                        noffs, (unsigned long long)mm_get_u64(h + 16));
                break;
            }
            if (noffs == capoffs) {
                capoffs = capoffs ? capoffs * 2 : 64;
                offs = mm_xrealloc(offs, capoffs * sizeof(*offs));
            }
            offs[noffs++] = pos;
            pos += MM_BLK_HEADER_LEN + mm_get_u32(h + 4);
        }
        inner = mm_xmalloc((noffs ? noffs : 1) * 32);
        if (nth > 1 && noffs >= 8) {
            int started = 0;
            for (int t = 0; t < nth; t++) {
                jobs[t] = (hash_job){map, offs, inner, noffs * (size_t)t / (size_t)nth,
                                     noffs * (size_t)(t + 1) / (size_t)nth};
                if (t > 0 && pthread_create(&th[t], NULL, hash_run, &jobs[t]) == 0)
                    started |= 1 << t;
                else if (t > 0)
                    hash_run(&jobs[t]);
            }
            hash_run(&jobs[0]);
            for (int t = 1; t < nth; t++)
                if (started & (1 << t))
                    pthread_join(th[t], NULL);
        } else {
            hash_job one = {map, offs, inner, 0, noffs};
            hash_run(&one);
        }
        for (size_t k = 0; k < noffs; k++) {
            const uint8_t *h = map + offs[k];
            uint32_t cnt = mm_get_u32(h + 12) & MM_BLK_COUNT_MASK;
            uint64_t bseq = mm_get_u64(h + 16);
            uint8_t hash[32];
            if (bseq != eseq)
                PROBLEM(r,
                        "%s block %u: 事象 %llu からのはずが %llu から（削除または並べ替え） / "
                        "should hold events from %llu, holds from %llu (removed or "
                        "reordered)\n",
                        name, blocks, (unsigned long long)eseq, (unsigned long long)bseq,
                        (unsigned long long)eseq, (unsigned long long)bseq);
            mm_block_hash_outer(chain, h, inner[k], hash);
            if (memcmp(hash, h + 40, 32) != 0)
                PROBLEM(r,
                        "%s block %u (events %llu-%llu): 内容が変更されたか並べ替えられています"
                        "（ハッシュ不一致） / changed or reordered (hash mismatch)\n",
                        name, blocks, (unsigned long long)bseq,
                        (unsigned long long)(bseq + cnt - (cnt ? 1 : 0)));
            memcpy(chain, h + 40, 32); /* go on from the stored hash to localise further damage */
            eseq = bseq + cnt;
            events += cnt;
            blocks++;
        }
        free(inner);
        *seq = eseq;
    }
    r->blocks += blocks;
    r->events += events;

    if (have_footer) {
        size_t signed_len = (size_t)(f.sig - f.start);
        if (crypto_sign_verify_detached(f.sig, f.start, signed_len, pk) != 0)
            PROBLEM(r,
                    "%s: 署名が検証鍵と合いません（フッターの改ざんか、別の鍵で署名された差し"
                    "替え） / signature does not verify with the key (footer changed, or the "
                    "segment was replaced and signed with another key)\n",
                    name);
        if (f.segno != segno || f.first_seq != first || f.events != events || f.nblocks != blocks ||
            memcmp(f.last_hash, chain, 32) != 0)
            PROBLEM(r,
                    "%s: フッターの記録（%u ブロック、%llu 件）と中身（%u ブロック、%llu 件）が"
                    "違います（ブロックの削除・追加） / footer says %u blocks, %llu events; "
                    "the file holds %u blocks, %llu events (blocks removed or added)\n",
                    name, f.nblocks, (unsigned long long)f.events, blocks,
                    (unsigned long long)events, f.nblocks, (unsigned long long)f.events, blocks,
                    (unsigned long long)events);
        else
            for (uint32_t b = 0; b < blocks; b++) {
                const uint8_t *e = f.index + (size_t)b * MM_FTR_INDEX_ENTRY;
                int end_h = (mm_get_u32(map + offs[b] + 12) & MM_BLK_RUN_END) != 0;
                if (mm_get_u64(e) != offs[b]) {
                    PROBLEM(r, "%s block %u: 索引の位置が違います / index offset differs\n", name,
                            b);
                    break;
                }
                /* a run ends where its header says, and the segment's last block ends one */
                if (((mm_get_u32(e + 12) & MM_FTR_IDX_RUN_END) != 0) != end_h ||
                    (b + 1 == blocks && !end_h)) {
                    PROBLEM(r,
                            "%s block %u: 並びのまとまり（ラン）の終わりの記録が違います / the "
                            "end of a run is recorded differently\n",
                            name, b);
                    break;
                }
            }
        crypto_generichash(prev, 32, f.start, f.len - MM_TRAILER_LEN, NULL, 0);
        *seq = first + f.events;
    } else {
        memset(prev, 0xff, 32); /* nothing can chain to an unsealed segment */
    }
    free(offs);
    munmap(map, size);
}

mm_rc mm_logs_verify(const char *logs_dir, const uint8_t pk[32], const mm_logs_anchor *anchor,
                     mm_logv_report *r, mm_error *err)
{
    char **names = NULL;
    size_t n = 0;
    uint8_t prev[32];
    uint64_t seq = 0, expect;
    mm_rc rc;

    if ((rc = mm_logs_list_segments(logs_dir, &names, &n, err)) != MM_OK)
        return rc;
    memset(prev, 0, sizeof(prev));
    expect = 1;
    if (anchor->pruned_through) {
        memcpy(prev, anchor->pruned_seal, 32);
        expect = anchor->pruned_through + 1;
        seq = UINT64_MAX; /* the pruned segments' events are not counted anywhere */
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t no = mm_seg_number(names[i]);
        if (i == 0 && no < expect) {
            PROBLEM(r,
                    "%s: 保存期間で削除済みのはずの区画があります / present although recorded as "
                    "pruned\n",
                    names[i]);
            expect = no;
        }
        verify_segment(logs_dir, names[i], expect, pk, prev, &seq, r);
        if (no == anchor->segno && memcmp(prev, anchor->seal, 32) != 0)
            PROBLEM(r,
                    "%s: mamori.db に記録された封印と違います（差し替え） / does not match the "
                    "seal recorded in mamori.db (replaced)\n",
                    names[i]);
        expect = no + 1;
    }
    if (anchor->segno >= expect)
        PROBLEM(r,
                "区画 %llu〜%llu がありません（最新の区画が削除されています。mamori.db には %llu "
                "まで記録） / segments %llu-%llu are missing: the newest were removed "
                "(mamori.db records %llu as the newest)\n",
                (unsigned long long)expect, (unsigned long long)anchor->segno,
                (unsigned long long)anchor->segno, (unsigned long long)expect,
                (unsigned long long)anchor->segno, (unsigned long long)anchor->segno);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return r->problems ? MM_ERR_TAMPER : MM_OK;
}
