/*
 * Unit tests for the sealed segment store: a round trip through blocks and segments, queries
 * that skip segments and blocks, verify on an intact store, each kind of tampering (a flipped
 * byte, a removed segment, a removed newest segment, a truncated segment, two blocks swapped, a
 * segment re-signed with another key) named by segment and block, torn-tail recovery after a
 * crash (only whole runs are kept), retention pruning, the block codec's byte-exact round trip
 * on awkward lines, the account index (a query reads only the blocks that hold the account),
 * journal replay numbering events as the crashed writer did, and the refusal of an older
 * format version. Each test works in its own mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "logs.h"
#include "logs_int.h"

#define T0 1763596800000LL /* 2025-11-20T00:00:00Z */

/* The number the store gave event #i (the writer's sink), 0 = not stored yet. */
#define MAX_EVENTS 4096
static uint64_t seq_of[MAX_EVENTS];
static int seq_known[MAX_EVENTS];

typedef struct fx {
    char dir[64];
    char logs[128];
    mm_store *st;
    uint8_t sk[64], pk[32];
} fx;

static int setup(void **state)
{
    fx *f = mm_xcalloc(1, sizeof(*f));
    char db[128];
    memset(seq_known, 0, sizeof(seq_known));
    mm_error err;
    mm_strlcpy(f->dir, "/tmp/mm-logs-test-XXXXXX", sizeof(f->dir));
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->logs, sizeof(f->logs), "%s/logs", f->dir);
    snprintf(db, sizeof(db), "%s/mamori.db", f->dir);
    if (mm_store_open(db, MM_STORE_CREATE, &f->st, &err) != MM_OK)
        return -1;
    if (mm_logkey_load(f->logs, 1, f->sk, f->pk, NULL, &err) != MM_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[256];
    mm_store_close(&f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static mm_logs_conf small_conf(void)
{
    mm_logs_conf c;
    mm_error err;
    mm_logs_conf_load(NULL, &c, &err);
    c.block_events = 100;
    c.segment_events = 1000;
    return c;
}

static int event_no(const mm_event *ev)
{
    const char *hash = memchr(ev->f[MM_EVF_RAW].p, '#', ev->f[MM_EVF_RAW].n);
    const char *end = ev->f[MM_EVF_RAW].p + ev->f[MM_EVF_RAW].n;
    int i = 0;
    assert_non_null(hash);
    for (hash++; hash < end && *hash >= '0' && *hash <= '9'; hash++)
        i = i * 10 + (*hash - '0');
    return i;
}

static void note_seq(void *arg, const mm_event *ev)
{
    int i = event_no(ev), *last = arg;
    assert_true(i >= 0 && i < MAX_EVENTS);
    assert_true(i > *last); /* handed over in arrival order */
    *last = i;
    seq_of[i] = ev->seq;
    seq_known[i] = 1;
}

/* Event #i (user u<i%7>, source 10.0.<i%5>.1, one per second from T0), its line in raw. */
static void make_event(int i, char raw[160], mm_event *ev)
{
    int len = snprintf(raw, 160,
                       "Nov 20 09:00:00 host%d sshd[1]: Failed password for u%d from "
                       "10.0.%d.1 port 22 ssh2 #%d",
                       i % 3, i % 7, i % 5, i);
    mm_event_clear(ev);
    ev->time_ms = T0 + (int64_t)i * 1000;
    ev->kind = MM_EVK_LOGON_FAILURE;
    ev->outcome = MM_OUT_FAILURE;
    ev->f[MM_EVF_RAW] = (mm_sv){raw, (uint32_t)len};
    ev->f[MM_EVF_HOST] = (mm_sv){raw + 16, 5};
    ev->f[MM_EVF_DEVICE] = ev->f[MM_EVF_HOST];
    ev->f[MM_EVF_USER] = (mm_sv){strstr(raw, "for u") + 4, 2};
    ev->f[MM_EVF_SRC] = (mm_sv){strstr(raw, "10.0."), 8};
    ev->f[MM_EVF_ACTION] = MM_SV_LIT("Failed password"); /* a literal, not in raw */
}

/* Writes n events (make_event) and seals; the
 * numbers the store gave them are a permutation of [start, start + n). */
static void write_events(fx *f, const mm_logs_conf *c, int n, int start)
{
    int last = start - 1;
    mm_logw *w = NULL;
    mm_error err;
    mm_logs_anchor a, old;
    mm_buf notes;
    mm_buf_init(&notes, 0);
    if (mm_logw_open(f->logs, c, f->sk, &notes, &w, &err) != MM_OK)
        fail_msg("open: %s", err.msg);
    mm_logw_set_sink(w, note_seq, &last);
    for (int i = start; i < start + n; i++) {
        char raw[160];
        mm_event ev;
        make_event(i, raw, &ev);
        if (mm_logw_append(w, &ev, &err) != MM_OK)
            fail_msg("append: %s", err.msg);
    }
    assert_int_equal(mm_logw_seal(w, &err), MM_OK);
    assert_int_equal(last, start + n - 1); /* every event handed over once stored */
    {
        char *taken = mm_xcalloc((size_t)n, 1);
        for (int i = start; i < start + n; i++) {
            assert_true(seq_known[i]);
            assert_true(seq_of[i] >= (uint64_t)start && seq_of[i] < (uint64_t)(start + n));
            assert_false(taken[seq_of[i] - (uint64_t)start]);
            taken[seq_of[i] - (uint64_t)start] = 1;
        }
        free(taken);
    }
    mm_logw_anchor(w, &a);
    assert_int_equal(mm_logs_anchor_get(f->st, &old, &err), MM_OK);
    a.pruned_through = old.pruned_through;
    memcpy(a.pruned_seal, old.pruned_seal, 32);
    assert_int_equal(mm_logs_anchor_set(f->st, &a, &err), MM_OK);
    mm_logw_free(&w);
    assert_null(w);
    mm_buf_release(&notes);
}

typedef struct collected {
    long n;
    uint64_t last_seq;
    int ordered;
} collected;

/* Checks event #i as written (line, time, number) and that events come by time. */
static int collect(void *arg, const mm_event *ev)
{
    collected *c = arg;
    char want[160];
    int i = event_no(ev);
    int len = snprintf(want, sizeof(want),
                       "Nov 20 09:00:00 host%d sshd[1]: Failed password for u%d from 10.0.%d.1 "
                       "port 22 ssh2 #%d",
                       i % 3, i % 7, i % 5, i);
    assert_int_equal(ev->f[MM_EVF_RAW].n, (uint32_t)len);
    assert_memory_equal(ev->f[MM_EVF_RAW].p, want, (size_t)len);
    assert_true(mm_sv_eq(ev->f[MM_EVF_ACTION], "Failed password"));
    assert_int_equal(ev->time_ms, T0 + (int64_t)i * 1000);
    assert_int_equal(ev->kind, MM_EVK_LOGON_FAILURE);
    assert_true(seq_known[i]);
    assert_int_equal(ev->seq, seq_of[i]); /* the number the writer handed out */
    if (c->n && (uint64_t)i <= c->last_seq)
        c->ordered = 0;
    c->last_seq = (uint64_t)i;
    c->n++;
    return 0;
}

static int count_cb(void *arg, const mm_event *ev)
{
    (void)ev;
    (*(long *)arg)++;
    return 0;
}

static mm_rc verify(fx *f, mm_logv_report *r)
{
    mm_logs_anchor a;
    mm_error err;
    mm_logv_report_init(r);
    assert_int_equal(mm_logs_anchor_get(f->st, &a, &err), MM_OK);
    return mm_logs_verify(f->logs, f->pk, &a, r, &err);
}

static void expect_problem(fx *f, const char *needle1, const char *needle2)
{
    mm_logv_report r;
    assert_int_equal(verify(f, &r), MM_ERR_TAMPER);
    if (!strstr(mm_buf_str(&r.text), needle1) || (needle2 && !strstr(mm_buf_str(&r.text), needle2)))
        fail_msg("verify report lacks '%s' / '%s':\n%s", needle1, needle2 ? needle2 : "",
                 mm_buf_str(&r.text));
    mm_logv_report_release(&r);
}

static void seg_path(fx *f, int n, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/seg-%08d.mms", f->logs, n);
}

static void test_round_trip_and_query(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    mm_logq q = {0, 0, NULL, NULL, NULL, -1, 0};
    mm_logq_stats st;
    collected col = {0, 0, 1};
    mm_error err;
    mm_logv_report r;

    write_events(f, &c, 2500, 0); /* segments of 1000: 1000, 1000, 500 */
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 2500);
    assert_true(col.ordered);
    assert_int_equal(st.segments, 3);
    /* by time: only the second segment; its blocks each hold one or two users' events across
     * the segment's whole time, so they are read and the matches come out by time */
    q.since_ms = T0 + 1100 * 1000;
    q.until_ms = T0 + 1150 * 1000;
    memset(&col, 0, sizeof(col));
    col.ordered = 1;
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 50);
    assert_int_equal(st.segments_skipped, 2);
    assert_int_equal(st.blocks, 10);
    assert_true(col.ordered);
    /* by user (case-insensitive) with the bloom filter; by a user nowhere: all skipped */
    memset(&q, 0, sizeof(q));
    q.kind = -1;
    q.user = "U3";
    memset(&col, 0, sizeof(col));
    col.ordered = 1;
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 357); /* i % 7 == 3 for i < 2500 */
    assert_true(col.ordered);
    /* grouped by user: u3's 143 (or 71) events per segment sit in two or three blocks */
    assert_int_equal(st.blocks, 25);
    assert_true(st.blocks - st.blocks_skipped <= 8);
    q.user = "nobody";
    memset(&col, 0, sizeof(col));
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 0);
    assert_true(st.segments_skipped >= 2); /* a bloom false positive is allowed, rarely */
    /* by source and limit */
    q.user = NULL;
    q.src = "10.0.4.1";
    q.limit = 3;
    memset(&col, 0, sizeof(col));
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 3);
    /* intact */
    assert_int_equal(verify(f, &r), MM_OK);
    assert_int_equal(r.segments, 3);
    assert_int_equal(r.blocks, 25);
    assert_int_equal(r.events, 2500);
    mm_logv_report_release(&r);
    /* a second writer continues the chain */
    write_events(f, &c, 10, 2500);
    assert_int_equal(verify(f, &r), MM_OK);
    assert_int_equal(r.segments, 4);
    assert_int_equal(r.events, 2510);
    mm_logv_report_release(&r);
}

static void flip_byte(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    unsigned char b;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x40;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static void test_tamper_flip(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256];
    write_events(f, &c, 1500, 0);
    seg_path(f, 2, p, sizeof(p));
    /* inside block 0's compressed bytes of segment 2 (header 64 + block header 72 + a bit) */
    flip_byte(p, 64 + 72 + 40);
    expect_problem(f, "seg-00000002.mms block 0 (events 1000-1099)", "hash");
}

static void test_tamper_remove_segment(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256];
    write_events(f, &c, 3000, 0);
    seg_path(f, 2, p, sizeof(p));
    assert_int_equal(unlink(p), 0);
    expect_problem(f, "segments 2-2 are missing", NULL);
}

static void test_tamper_remove_newest(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256];
    write_events(f, &c, 3000, 0);
    seg_path(f, 3, p, sizeof(p));
    assert_int_equal(unlink(p), 0);
    expect_problem(f, "segments 3-3 are missing: the newest were removed", NULL);
}

static void test_tamper_truncate(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256];
    struct stat sb;
    write_events(f, &c, 1000, 0);
    seg_path(f, 1, p, sizeof(p));
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(truncate(p, sb.st_size / 2), 0);
    expect_problem(f, "seg-00000001.mms: 末尾", "truncated");
}

/* Swaps blocks 1 and 2 of segment 1 (both whole blocks, footer unchanged). */
static void test_tamper_swap_blocks(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256];
    char *data = NULL;
    size_t len, o1, o2, o3, l1, l2;
    mm_error err;
    write_events(f, &c, 1000, 0);
    seg_path(f, 1, p, sizeof(p));
    assert_int_equal(mm_file_read(p, 1u << 26, &data, &len, &err), MM_OK);
    o1 = 64;
    o1 += 72 + (size_t)((uint8_t)data[o1 + 4] | (uint8_t)data[o1 + 5] << 8 |
                        (uint8_t)data[o1 + 6] << 16);
    l1 = 72 +
         (size_t)((uint8_t)data[o1 + 4] | (uint8_t)data[o1 + 5] << 8 | (uint8_t)data[o1 + 6] << 16);
    o2 = o1 + l1;
    l2 = 72 +
         (size_t)((uint8_t)data[o2 + 4] | (uint8_t)data[o2 + 5] << 8 | (uint8_t)data[o2 + 6] << 16);
    o3 = o2 + l2;
    {
        char *tmp = mm_xmalloc(l1 + l2);
        memcpy(tmp, data + o2, l2);
        memcpy(tmp + l2, data + o1, l1);
        memcpy(data + o1, tmp, l1 + l2);
        free(tmp);
    }
    assert_true(o3 <= len);
    assert_int_equal(mm_file_write_atomic(p, data, len, 0600, &err), MM_OK);
    free(data);
    expect_problem(f, "seg-00000001.mms block 1", "reordered");
}

/* A segment replaced by one signed with another key. */
static void test_tamper_replaced(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    uint8_t sk2[64], pk2[32];
    write_events(f, &c, 500, 0);
    memcpy(sk2, f->sk, 64);
    crypto_sign_keypair(pk2, f->sk); /* the attacker's key writes the next segment */
    write_events(f, &c, 10, 500);
    memcpy(f->sk, sk2, 64);
    expect_problem(f, "seg-00000002.mms: ", "signature does not verify");
}

/* A crash mid-block: the whole blocks are kept, the torn tail is quarantined, start goes on. */
static void test_torn_tail_recovery(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char p[256], open_p[300], q[256];
    char *data = NULL;
    size_t len;
    mm_error err;
    mm_logv_report r;
    mm_logw *w = NULL;
    mm_buf notes;

    c.run_events = 200;          /* runs of blocks 100 + 100 and 50 */
    write_events(f, &c, 250, 0); /* seg 1: blocks of 100, 100, 50 */
    /* fake a crash: seg 2 left open with its first two blocks (one whole run) and half of the
     * third */
    write_events(f, &c, 250, 250);
    seg_path(f, 2, p, sizeof(p));
    snprintf(open_p, sizeof(open_p), "%s.open", p);
    assert_int_equal(mm_file_read(p, 1u << 26, &data, &len, &err), MM_OK);
    {
        size_t o = 64;
        for (int b = 0; b < 2; b++)
            o += 72 + (size_t)((uint8_t)data[o + 4] | (uint8_t)data[o + 5] << 8 |
                               (uint8_t)data[o + 6] << 16);
        len = o + 30; /* into block 2 */
    }
    assert_int_equal(mm_file_write_atomic(open_p, data, len, 0600, &err), MM_OK);
    free(data);
    assert_int_equal(unlink(p), 0);
    {
        /* the anchor still names seg 1 (seg 2 was never sealed) */
        mm_logs_anchor a;
        assert_int_equal(mm_logs_anchor_get(f->st, &a, &err), MM_OK);
        a.segno = 1;
        /* seal of seg 1 is what the writer computed before; recompute by reopening below */
    }
    mm_buf_init(&notes, 0);
    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, &notes, &w, &err), MM_OK);
    assert_non_null(strstr(mm_buf_str(&notes), "recovered seg-00000002.mms.open"));
    assert_non_null(strstr(mm_buf_str(&notes), "200 events kept"));
    assert_int_equal(mm_logw_seal(w, &err), MM_OK);
    {
        mm_logs_anchor a;
        mm_logw_anchor(w, &a);
        assert_int_equal(a.segno, 2);
        assert_int_equal(a.events, 450);
        assert_int_equal(mm_logs_anchor_set(f->st, &a, &err), MM_OK);
    }
    mm_logw_free(&w);
    mm_buf_release(&notes);
    assert_false(mm_file_exists(open_p));
    snprintf(q, sizeof(q), "%s/quarantine", f->logs);
    {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q 'seg-00000002.mms.open.tail'", q);
        assert_int_equal(system(cmd), 0);
    }
    if (verify(f, &r) != MM_OK)
        fail_msg("after recovery: %s", mm_buf_str(&r.text));
    assert_int_equal(r.events, 450);
    mm_logv_report_release(&r);

    /* an open segment whose header is garbage is quarantined whole, and start goes on */
    snprintf(open_p, sizeof(open_p), "%s/seg-00000003.mms.open", f->logs);
    assert_int_equal(mm_file_write_atomic(open_p, "garbage", 7, 0600, &err), MM_OK);
    mm_buf_init(&notes, 0);
    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, &notes, &w, &err), MM_OK);
    assert_non_null(strstr(mm_buf_str(&notes), "quarantined seg-00000003.mms.open"));
    mm_logw_free(&w);
    mm_buf_release(&notes);
    assert_false(mm_file_exists(open_p));
}

static void test_prune(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    long pruned = 0;
    mm_error err;
    mm_logv_report r;
    int64_t now = T0 + (int64_t)(5 * 365.2425 * 86400 * 1000) + 1500 * 1000LL;
    write_events(f, &c, 3000, 0);
    assert_int_equal(mm_logs_prune(f->logs, f->st, 5, now, 1, &pruned, &err), MM_OK);
    assert_int_equal(pruned, 1); /* dry run: segment 1 ends before the cutoff */
    assert_int_equal(mm_logs_prune(f->logs, f->st, 5, now, 0, &pruned, &err), MM_OK);
    assert_int_equal(pruned, 1);
    assert_int_equal(verify(f, &r), MM_OK);
    assert_int_equal(r.segments, 2);
    mm_logv_report_release(&r);
}

/* One awkward line: its fields as (offset, length) in the line, -1 = empty, -2 = a literal. */
typedef struct codec_case {
    const char *raw;
    size_t rawlen; /* 0: strlen */
    int off[MM_EVF_RAW], len[MM_EVF_RAW];
} codec_case;

static void test_block_codec_exact(void **state)
{
    static const char ctl[] = "a\x01"
                              "b\x02"
                              "c\x03"
                              "d\x04"
                              "e 007 \x04\x04 9";
    static const codec_case cases[] = {
        {"Nov  3 07:08:09 srv-emr01 sshd[4242]: Accepted password for staff007 from "
         "192.168.1.20 port 50022 ssh2",
         0,
         {16, 16, 60, 74, 60, -1},
         {9, 9, 8, 12, 26, 0}},
        {"id=0 n=00 big=12345678901234567890123 zero=0000000000000000000000007 max="
         "18446744073709551615 over=99999999999999999999",
         0,
         {-1, -1, 3, -1, -1, -2},
         {0, 0, 1, 0, 0, 0}},
        {ctl, sizeof(ctl) - 1, {0, -1, 1, 4, -1, -1}, {3, 0, 4, 3, 0, 0}},
        {"", 0, {-1, -1, -1, -1, -1, -1}, {0, 0, 0, 0, 0, 0}},
        {"利用者 山田 が 端末 PC-0012 から 電子カルテ を参照",
         0,
         {-1, -1, 10, 28, 43, -2},
         {0, 0, 6, 7, 15, 0}},
        {"9", 0, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}},
    };
    const size_t n = sizeof(cases) / sizeof(cases[0]);
    mm_blockb b;
    mm_buf out;
    mm_event *ev = NULL;
    size_t nev = 0;
    (void)state;

    mm_blockb_init(&b);
    mm_buf_init(&out, MM_SEG_MAX_BLOCK);
    for (int rep = 0; rep < 3; rep++) /* repeats share templates and shapes */
        for (size_t i = 0; i < n; i++) {
            const codec_case *c = &cases[i];
            size_t rl = c->rawlen ? c->rawlen : strlen(c->raw);
            mm_event e;
            mm_event_clear(&e);
            e.time_ms = T0 - (int64_t)(i * 7919) + rep;
            e.kind = (uint8_t)i;
            e.f[MM_EVF_RAW] = (mm_sv){c->raw, (uint32_t)rl};
            for (int f = 0; f < MM_EVF_RAW; f++) {
                if (c->off[f] == -2)
                    e.f[f] = MM_SV_LIT("literal 123");
                else if (c->off[f] >= 0) {
                    assert_true((size_t)(c->off[f] + c->len[f]) <= rl);
                    e.f[f] = (mm_sv){c->raw + c->off[f], (uint32_t)c->len[f]};
                }
            }
            assert_int_equal(mm_blockb_add(&b, &e), MM_OK);
        }
    assert_int_equal(mm_blockb_finish(&b, &out), MM_OK);
    assert_int_equal(mm_block_decode((const uint8_t *)out.data, out.len, 100, &ev, &nev), MM_OK);
    assert_int_equal(nev, 3 * n);
    for (size_t k = 0; k < nev; k++) {
        const codec_case *c = &cases[k % n];
        size_t rl = c->rawlen ? c->rawlen : strlen(c->raw);
        assert_int_equal(ev[k].seq, 100 + k);
        assert_int_equal(ev[k].kind, k % n);
        assert_int_equal(ev[k].time_ms, T0 - (int64_t)((k % n) * 7919) + (int64_t)(k / n));
        assert_int_equal(ev[k].f[MM_EVF_RAW].n, rl);
        if (rl)
            assert_memory_equal(ev[k].f[MM_EVF_RAW].p, c->raw, rl);
        for (int f = 0; f < MM_EVF_RAW; f++) {
            if (c->off[f] == -1)
                assert_int_equal(ev[k].f[f].n, 0);
            else if (c->off[f] == -2)
                assert_true(mm_sv_eq(ev[k].f[f], "literal 123"));
            else {
                /* the same bytes, and still a view into the rebuilt raw line */
                assert_int_equal(ev[k].f[f].n, (uint32_t)c->len[f]);
                assert_memory_equal(ev[k].f[f].p, c->raw + c->off[f], (size_t)c->len[f]);
                assert_ptr_equal(ev[k].f[f].p, ev[k].f[MM_EVF_RAW].p + c->off[f]);
            }
        }
    }
    free(ev);
    /* every strict prefix of the payload is rejected, never read past */
    for (size_t cut = 0; cut < out.len; cut++) {
        ev = NULL;
        assert_int_equal(mm_block_decode((const uint8_t *)out.data, cut, 0, &ev, &nev),
                         MM_ERR_PARSE);
        assert_null(ev);
    }
    mm_buf_release(&out);
    mm_blockb_release(&b);
}

/* The account index: a user and a source in one block only are read from that block only. */
static void test_account_index(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    mm_logw *w = NULL;
    mm_error err;
    mm_logs_anchor a;
    mm_logq q = {0, 0, NULL, NULL, NULL, -1, 0};
    mm_logq_stats st;
    long hits = 0;

    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, NULL, &w, &err), MM_OK);
    for (int i = 0; i < 1000; i++) {
        char raw[160];
        mm_event ev;
        int rare = i == 550;
        int len = snprintf(raw, sizeof(raw), "Accepted password for %s from %s port %d",
                           rare ? "Rare.User" : (i % 2 ? "u1" : "u2"),
                           rare ? "192.0.2.7" : (i % 3 ? "10.0.0.1" : "10.0.0.2"), 1000 + i);
        mm_event_clear(&ev);
        ev.time_ms = T0 + (int64_t)i * 1000;
        ev.kind = MM_EVK_LOGON_FAILURE;
        ev.f[MM_EVF_RAW] = (mm_sv){raw, (uint32_t)len};
        ev.f[MM_EVF_USER] = (mm_sv){raw + 22, rare ? 9 : 2};
        ev.f[MM_EVF_SRC] = (mm_sv){strstr(raw, "from ") + 5, rare ? 9 : 8};
        assert_int_equal(mm_logw_append(w, &ev, &err), MM_OK);
    }
    assert_int_equal(mm_logw_seal(w, &err), MM_OK);
    mm_logw_anchor(w, &a);
    assert_int_equal(mm_logs_anchor_set(f->st, &a, &err), MM_OK);
    mm_logw_free(&w);

    q.user = "rare.user";
    assert_int_equal(mm_logs_query(f->logs, &q, count_cb, &hits, &st, &err), MM_OK);
    assert_int_equal(hits, 1);
    assert_int_equal(st.blocks, 10);
    assert_int_equal(st.blocks - st.blocks_skipped, 1); /* block 5 only */
    assert_int_equal(st.events_scanned, 100);
    q.user = NULL;
    q.src = "192.0.2.7";
    hits = 0;
    assert_int_equal(mm_logs_query(f->logs, &q, count_cb, &hits, &st, &err), MM_OK);
    assert_int_equal(hits, 1);
    assert_int_equal(st.blocks - st.blocks_skipped, 1);
    /* both: only blocks that hold both; the run is grouped by user, so u1's 500 events fill
     * five blocks (six when its group starts inside one) of the ten */
    q.user = "u1";
    q.src = "10.0.0.2";
    hits = 0;
    assert_int_equal(mm_logs_query(f->logs, &q, count_cb, &hits, &st, &err), MM_OK);
    assert_int_equal(hits, 167); /* odd i, i % 3 == 0, i < 1000, i != 550 */
    assert_true(st.blocks - st.blocks_skipped >= 5 && st.blocks - st.blocks_skipped <= 6);
    /* a user and a source that never meet in one block: the segment is skipped */
    q.user = "rare.user";
    q.src = "10.0.0.9";
    hits = 0;
    assert_int_equal(mm_logs_query(f->logs, &q, count_cb, &hits, &st, &err), MM_OK);
    assert_int_equal(hits, 0);
    assert_int_equal(st.segments_skipped, 1);
    assert_int_equal(st.events_scanned, 0);
}

/*
 * A crash with runs written and one held: the written runs are recovered; replaying the same
 * events (as the journal does) numbers the stored ones exactly as the crashed writer did,
 * without writing them again, then stores the rest.
 */
static void test_replay_numbers(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    mm_logw *w = NULL;
    mm_error err;
    mm_logs_anchor a;
    mm_logq q = {0, 0, NULL, NULL, NULL, -1, 0};
    mm_logq_stats st;
    collected col = {0, 0, 1};
    uint64_t first_seq[300];
    int last = -1;
    mm_logv_report r;

    c.run_events = 150;
    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, NULL, &w, &err), MM_OK);
    mm_logw_set_sink(w, note_seq, &last);
    for (int i = 0; i < 400; i++) { /* runs 0-149 and 150-299 written, 300-399 held */
        char raw[160];
        mm_event ev;
        make_event(i, raw, &ev);
        assert_int_equal(mm_logw_append(w, &ev, &err), MM_OK);
    }
    assert_int_equal(last, 299);
    for (int i = 0; i < 300; i++)
        first_seq[i] = seq_of[i];
    mm_logw_free(&w); /* the crash: seg-1.mms.open holds two whole runs */
    memset(seq_known, 0, sizeof(seq_known));

    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, NULL, &w, &err), MM_OK);
    assert_int_equal(mm_logw_seal(w, &err), MM_OK);
    mm_logw_anchor(w, &a);
    assert_int_equal(a.events, 300);
    last = -1;
    mm_logw_set_sink(w, note_seq, &last);
    mm_logw_replay(w, 0, 300);
    for (int i = 0; i < 400; i++) {
        char raw[160];
        mm_event ev;
        make_event(i, raw, &ev);
        assert_int_equal(mm_logw_append(w, &ev, &err), MM_OK);
    }
    mm_logw_replay(w, 0, 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(seq_of[i], first_seq[i]); /* numbered as when they were written */
    assert_int_equal(mm_logw_seal(w, &err), MM_OK);
    assert_int_equal(last, 399);
    for (int i = 300; i < 400; i++)
        assert_true(seq_of[i] >= 300 && seq_of[i] < 400);
    mm_logw_anchor(w, &a);
    assert_int_equal(a.events, 400); /* not written twice */
    assert_int_equal(mm_logs_anchor_set(f->st, &a, &err), MM_OK);
    mm_logw_free(&w);
    assert_int_equal(mm_logs_query(f->logs, &q, collect, &col, &st, &err), MM_OK);
    assert_int_equal(col.n, 400); /* every event once, with the number it was handed */
    assert_true(col.ordered);
    assert_int_equal(verify(f, &r), MM_OK);
    assert_int_equal(r.events, 400);
    mm_logv_report_release(&r);
}

/* A segment of format version 1 gets a clear error from verify, query and the writer. */
static void test_old_version(void **state)
{
    fx *f = *state;
    mm_logs_conf c = small_conf();
    char path[256];
    uint8_t one[4] = {1, 0, 0, 0};
    int fd;
    mm_logq q = {0, 0, NULL, NULL, NULL, -1, 0};
    mm_logq_stats st;
    long hits = 0;
    mm_error err;
    mm_logw *w = NULL;

    write_events(f, &c, 10, 0);
    seg_path(f, 1, path, sizeof(path));
    fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, one, 4, 8), 4);
    close(fd);
    expect_problem(f, "seg-00000001.mms: 区画の形式 1", "format version 1: this Mamori reads");
    assert_int_equal(mm_logs_query(f->logs, &q, count_cb, &hits, &st, &err), MM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "format version 1"));
    assert_int_equal(mm_logw_open(f->logs, &c, f->sk, NULL, &w, &err), MM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "format version 1"));
    assert_null(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_and_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_flip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_remove_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_remove_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test(test_block_codec_exact),
        cmocka_unit_test_setup_teardown(test_account_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_version, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
