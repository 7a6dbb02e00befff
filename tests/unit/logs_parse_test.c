/*
 * Unit tests for the log parsers and the framer: every row of tests/data/logs/parser_cases.tsv
 * (format, expected kind, outcome, user, source, device, target, time, input line) is parsed
 * and compared; the framer is fed split, over-long, CRLF and octet-counted input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "logs.h"

#define NOW_MS 1763640000000LL /* 2025-11-20T12:00:00Z */

static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("MM_TEST_DATA");
    char path[4096];
    char *data = NULL;
    mm_error err;

    snprintf(path, sizeof(path), "%s/logs/%s", dir ? dir : "../tests/data", name);
    if (mm_file_read(path, 16u * 1024 * 1024, &data, len, &err) != MM_OK)
        fail_msg("cannot read %s: %s", path, err.msg);
    return data;
}

static void expect_sv(int line, const char *what, mm_sv got, const char *want)
{
    if (strcmp(want, "-") == 0)
        want = "";
    if (got.n != strlen(want) || (got.n && memcmp(got.p, want, got.n) != 0))
        fail_msg("parser_cases.tsv:%d: %s is '%.*s', expected '%s'", line, what, (int)got.n,
                 got.n ? got.p : "", want);
}

static void test_parser_cases(void **state)
{
    size_t len;
    char *data = fixture("parser_cases.tsv", &len);
    char *save = NULL, *line;
    int lineno = 0, cases = 0;
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    (void)state;

    for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *col[9];
        char *p = line;
        const mm_log_parser *parser;
        int idx;
        mm_event ev;
        int64_t want_t = 0;
        lineno++;
        if (line[0] == '#')
            continue;
        for (int i = 0; i < 9; i++) {
            col[i] = p;
            p = i < 8 ? strchr(p, '\t') : NULL;
            if (i < 8) {
                if (!p)
                    fail_msg("parser_cases.tsv:%d: expected 9 columns", lineno);
                *p++ = '\0';
            }
        }
        parser = mm_log_parser_find(col[0], &idx);
        if (!parser)
            fail_msg("parser_cases.tsv:%d: unknown format %s", lineno, col[0]);
        mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
        if (mm_log_parse(pc, parser, idx, col[8], strlen(col[8]), &ev) != MM_OK)
            fail_msg("parser_cases.tsv:%d: the line was skipped", lineno);
        if (strcmp(mm_event_kind_name(ev.kind), col[1]) != 0)
            fail_msg("parser_cases.tsv:%d: kind is %s, expected %s", lineno,
                     mm_event_kind_name(ev.kind), col[1]);
        if (strcmp(mm_outcome_name(ev.outcome), strcmp(col[2], "-") ? col[2] : "") != 0)
            fail_msg("parser_cases.tsv:%d: outcome is '%s', expected %s", lineno,
                     mm_outcome_name(ev.outcome), col[2]);
        expect_sv(lineno, "user", ev.f[MM_EVF_USER], col[3]);
        expect_sv(lineno, "source", ev.f[MM_EVF_SRC], col[4]);
        expect_sv(lineno, "device", ev.f[MM_EVF_DEVICE], col[5]);
        expect_sv(lineno, "target", ev.f[MM_EVF_TARGET], col[6]);
        expect_sv(lineno, "raw", ev.f[MM_EVF_RAW], col[8]);
        if (strcmp(col[7], "0") == 0) { /* no time in the line: the receive time, flagged */
            want_t = NOW_MS;
            if (!(ev.flags & MM_EVFL_RECEIVED_TIME))
                fail_msg("parser_cases.tsv:%d: the receive-time flag is not set", lineno);
        } else if (mm_time_parse_iso(col[7], strlen(col[7]), 0, &want_t) != MM_OK) {
            fail_msg("parser_cases.tsv:%d: bad expected time %s", lineno, col[7]);
        }
        if (ev.time_ms != want_t)
            fail_msg("parser_cases.tsv:%d: time is %lld, expected %lld (%s)", lineno,
                     (long long)ev.time_ms, (long long)want_t, col[7]);
        cases++;
    }
    assert_true(cases >= 40);
    free(pc);
    free(data);
}

/* EMR CSV: a Japanese header row (with BOM) sets the columns and is not an event. */
static void test_emr_header(void **state)
{
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    const mm_log_parser *p;
    int idx;
    mm_event ev;
    const char *hdr = "\xEF\xBB\xBF端末,操作,患者ID,利用者,日時";
    const char *row = "NURSE-PC07,参照,P000123,yamada,2025-11-20 09:01:12";
    (void)state;

    p = mm_log_parser_find("emr-csv", &idx);
    mm_parse_ctx_init(pc, NOW_MS, 540, "emr-main");
    assert_int_equal(mm_log_parse(pc, p, idx, hdr, strlen(hdr), &ev), MM_AGAIN);
    assert_int_equal(pc->headers, 1);
    assert_int_equal(mm_log_parse(pc, p, idx, row, strlen(row), &ev), MM_OK);
    assert_int_equal(ev.kind, MM_EVK_RECORD_ACCESS);
    expect_sv(0, "user", ev.f[MM_EVF_USER], "yamada");
    expect_sv(0, "target", ev.f[MM_EVF_TARGET], "P000123");
    expect_sv(0, "source", ev.f[MM_EVF_SRC], "NURSE-PC07");
    expect_sv(0, "device", ev.f[MM_EVF_DEVICE], "emr-main");
    free(pc);
}

/* A 4732 that names the new member only by SID (a local account) names the account when the
 * same input created it (4720) or saw it log on (4624); an unknown SID stays as it is. */
static void test_windows_sid_names(void **state)
{
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    const mm_log_parser *p;
    int idx;
    mm_event ev;
    const char *created = "{\"TimeCreated\":\"2025-11-20T04:47:10Z\",\"Id\":4720,\"MachineName\":"
                          "\"EMR-AP01\",\"Data\":{\"TargetUserName\":\"support01\",\"TargetSid\":"
                          "\"S-1-5-21-100-200-300-1013\"}}";
    const char *logon = "{\"TimeCreated\":\"2025-11-20T04:47:20Z\",\"Id\":4624,\"MachineName\":"
                        "\"EMR-AP01\",\"Data\":{\"TargetUserName\":\"tanaka\",\"TargetUserSid\":"
                        "\"S-1-5-21-100-200-300-1020\",\"IpAddress\":\"-\"}}";
    const char *added = "{\"TimeCreated\":\"2025-11-20T04:47:31Z\",\"Id\":4732,\"MachineName\":"
                        "\"EMR-AP01\",\"Data\":{\"MemberName\":\"-\",\"MemberSid\":\"";
    const char *added_end = "\",\"TargetUserName\":\"Administrators\"}}";
    static const char *const sids[3] = {"S-1-5-21-100-200-300-1013", "S-1-5-21-100-200-300-1020",
                                        "S-1-5-21-100-200-300-1099"};
    static const char *const want[3] = {"support01", "tanaka", "S-1-5-21-100-200-300-1099"};
    (void)state;

    p = mm_log_parser_find("windows-json", &idx);
    mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
    assert_int_equal(mm_log_parse(pc, p, idx, created, strlen(created), &ev), MM_OK);
    expect_sv(0, "user", ev.f[MM_EVF_USER], "support01");
    assert_int_equal(mm_log_parse(pc, p, idx, logon, strlen(logon), &ev), MM_OK);
    for (int i = 0; i < 3; i++) {
        char line[512];
        snprintf(line, sizeof(line), "%s%s%s", added, sids[i], added_end);
        assert_int_equal(mm_log_parse(pc, p, idx, line, strlen(line), &ev), MM_OK);
        assert_int_equal(ev.kind, MM_EVK_GROUP_MEMBER_ADDED);
        expect_sv(i, "user", ev.f[MM_EVF_USER], want[i]);
        expect_sv(i, "target", ev.f[MM_EVF_TARGET], "Administrators");
    }
    free(pc);
}

/* RFC 3164 has no year: a date ahead of now belongs to last year. */
static void test_bsd_year(void **state)
{
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    mm_event ev;
    const char *dec =
        "Dec 31 23:59:59 h sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2";
    int64_t want;
    (void)state;
    mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
    assert_int_equal(mm_log_parse(pc, &mm_log_parsers[0], 0, dec, strlen(dec), &ev), MM_OK);
    assert_int_equal(mm_time_parse_iso("2024-12-31T23:59:59+09:00", 25, 0, &want), MM_OK);
    assert_int_equal(ev.time_ms, want);
    free(pc);
}

typedef struct got {
    char msg[8][128];
    int trunc[8];
    int n;
} got;

static void drain(mm_framer *f, got *g)
{
    const char *m;
    size_t len;
    int t;
    while (mm_framer_next(f, &m, &len, &t) == MM_OK) {
        assert_true(g->n < 8);
        snprintf(g->msg[g->n], sizeof(g->msg[0]), "%.*s", (int)len, m);
        g->trunc[g->n++] = t;
    }
}

static void test_framer_lines(void **state)
{
    mm_framer f;
    got g = {0};
    const char *m;
    size_t len;
    int t;
    (void)state;

    mm_framer_init(&f, MM_FRAME_LINES, 10);
    mm_framer_feed(&f, "abc\r\nde", 7);
    drain(&f, &g);
    mm_framer_feed(&f, "f\n0123456789ABCDEF\nxy", 21);
    drain(&f, &g);
    mm_framer_feed(&f, "z0123456789", 11); /* an unfinished over-long line */
    drain(&f, &g);
    mm_framer_feed(&f, "more\nok\n", 8);
    drain(&f, &g);
    assert_int_equal(g.n, 5);
    assert_string_equal(g.msg[0], "abc");
    assert_string_equal(g.msg[1], "def");
    assert_string_equal(g.msg[2], "0123456789");
    assert_int_equal(g.trunc[2], 1);
    assert_string_equal(g.msg[3], "xyz0123456");
    assert_int_equal(g.trunc[3], 1);
    assert_string_equal(g.msg[4], "ok");
    assert_int_equal(f.truncated, 2);
    mm_framer_feed(&f, "tail", 4);
    drain(&f, &g);
    assert_int_equal(mm_framer_finish(&f, &m, &len, &t), MM_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(m, "tail", 4);
    assert_int_equal(mm_framer_finish(&f, &m, &len, &t), MM_AGAIN);
    mm_framer_release(&f);
}

static void test_framer_octet(void **state)
{
    mm_framer f;
    got g = {0};
    (void)state;

    mm_framer_init(&f, MM_FRAME_AUTO, 64);
    mm_framer_feed(&f, "5 hello1", 8); /* "1" starts the next frame's length */
    drain(&f, &g);
    mm_framer_feed(&f, "1 hello world<13>plain line\n", 28);
    drain(&f, &g);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.msg[0], "hello");
    assert_string_equal(g.msg[1], "hello world");
    assert_string_equal(g.msg[2], "<13>plain line");
    mm_framer_release(&f);

    memset(&g, 0, sizeof(g));
    mm_framer_init(&f, MM_FRAME_OCTET, 4);
    mm_framer_feed(&f, "8 abcdefgh3 xyz", 15);
    drain(&f, &g);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.msg[0], "abcd");
    assert_int_equal(g.trunc[0], 1);
    assert_string_equal(g.msg[1], "xyz");
    mm_framer_release(&f);
}

static void test_time_parse(void **state)
{
    int64_t ms;
    (void)state;
    assert_int_equal(mm_time_parse_iso("2025-11-20T09:00:00+09:00", 25, 0, &ms), MM_OK);
    assert_int_equal(ms, 1763596800000LL);
    assert_int_equal(mm_time_parse_iso("2025/11/20 9:00", 15, 540, &ms), MM_OK);
    assert_int_equal(ms, 1763596800000LL);
    assert_int_equal(mm_time_parse_iso("2025-02-30T00:00Z", 17, 0, &ms), MM_ERR_INVALID);
    assert_int_equal(mm_time_parse_iso("2025-11-20X", 11, 0, &ms), MM_ERR_PARSE);
}

/* ---- .evtx files (tests/data/logs/security-sample.evtx, written by make_evtx.py) ---- */

typedef struct evtx_got {
    mm_parse_ctx *pc;
    int n;
    char kinds[32][24];
    char users[32][32];
} evtx_got;

static mm_rc evtx_collect(void *ud, const char *xml, size_t len, int truncated, mm_error *err)
{
    evtx_got *g = ud;
    const mm_log_parser *p;
    int idx;
    mm_event ev;
    (void)err;
    p = mm_log_parser_find("evtx", &idx);
    assert_non_null(p);
    assert_false(truncated);
    assert_null(memchr(xml, '\n', len)); /* one line per record */
    assert_int_equal(mm_log_parse(g->pc, p, idx, xml, len, &ev), MM_OK);
    if (g->n < 32) {
        snprintf(g->kinds[g->n], sizeof(g->kinds[0]), "%s", mm_event_kind_name(ev.kind));
        snprintf(g->users[g->n], sizeof(g->users[0]), "%.*s", (int)ev.f[MM_EVF_USER].n,
                 ev.f[MM_EVF_USER].n ? ev.f[MM_EVF_USER].p : "");
    }
    g->n++;
    return MM_OK;
}

static char *evtx_variant(const char *name, const char *data, size_t len)
{
    static char path[256];
    FILE *f;
    snprintf(path, sizeof(path), "/tmp/mm-evtx-test-%d-%s.evtx", (int)getpid(), name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static void test_evtx_file(void **state)
{
    static const char *const want[] = {"logon",
                                       "logon-failure",
                                       "logoff",
                                       "explicit-logon",
                                       "account-created",
                                       "account-enabled",
                                       "account-disabled",
                                       "account-deleted",
                                       "group-member-added",
                                       "account-locked",
                                       "kerberos-tgt",
                                       "logon-failure",
                                       "logon-failure",
                                       "logon-failure",
                                       "other",
                                       "logon"};
    size_t len;
    char *data = fixture("security-sample.evtx", &len);
    evtx_got g;
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    mm_evtx_counts n;
    mm_error err;
    char *path;
    (void)state;

    memset(&g, 0, sizeof(g));
    g.pc = pc;
    mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
    mm_error_clear(&err);
    path = evtx_variant("whole", data, len);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_OK);
    assert_int_equal(n.records, 16);
    assert_int_equal(n.read, 16);
    assert_int_equal(n.failed, 0);
    assert_int_equal(g.n, 16);
    for (int i = 0; i < 16; i++)
        assert_string_equal(g.kinds[i], want[i]);
    assert_string_equal(g.users[8], "Vendor New"); /* 4732 MemberName as a DN: its CN */
    assert_string_equal(g.users[15], "鈴木");
    unlink(path);

    /* Cut inside the second chunk: the first chunk's 8 records, 8 counted as unreadable. */
    g.n = 0;
    path = evtx_variant("cut", data, 4096 + 65536 + 1500);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_int_equal(g.n, 8);
    assert_int_equal(n.read, 8);
    assert_int_equal(n.failed, 8);
    assert_int_equal(n.missing_chunks, 1);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.msg, "offset 71132"));
    assert_non_null(strstr(err.msg, "up to record 1008"));
    unlink(path);

    /* A broken token in the first record: that record counted, the other 15 read. */
    g.n = 0;
    data[4096 + 512 + 24 + 4] = (char)0xff;
    path = evtx_variant("bad", data, len);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_int_equal(n.failed, 1);
    assert_int_equal(g.n, 15);
    assert_non_null(strstr(err.msg, "first: record 1, offset 4608"));
    unlink(path);
    data[4096 + 512 + 24 + 4] = 0x0c;

    /* One changed byte inside a value: still readable, but the chunk's checksum says so. */
    g.n = 0;
    data[4096 + 65536 + 512 + 300] ^= 0x55;
    path = evtx_variant("flip", data, len);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_int_equal(n.read, 16);
    assert_non_null(strstr(err.msg, "chunk 1 at offset 69632: event records checksum mismatch"));
    assert_non_null(strstr(err.msg, "records 1009-1016"));
    unlink(path);

    /* A changed file header (its own CRC32 at offset 124 no longer matches). */
    data[4096 + 65536 + 512 + 300] ^= 0x55;
    data[16] ^= 0x01; /* last chunk number */
    path = evtx_variant("header", data, len);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "offset 0: file header checksum mismatch"));
    unlink(path);
    data[16] ^= 0x01;

    /* Not EVTX at all, and a file cut inside its header. */
    path = evtx_variant("junk", "hello, this is not an event log", 31);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "offset 0: not an EVTX file header"));
    unlink(path);
    path = evtx_variant("head", data, 2000);
    assert_int_equal(mm_evtx_read(path, 65536, evtx_collect, &g, &n, &err), MM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "cut short at offset 2000 inside the 4096-byte file header"));
    unlink(path);
    free(pc);
    free(data);
}

/* Every registered parser, given garbage, invalid UTF-8, an empty line and a line cut at the
 * maximum size by the framer: the line ends as an event whose raw view is the whole line
 * (UNPARSED or a kind of the format), or as a skipped header row; never anything else. */
static void test_every_parser_bad_input(void **state)
{
    static const char *const inputs[] = {
        "",
        "<",
        "\xff\xfe\xfd\x80\x81 garbage \xc0\xaf",
        "<38>1 \xff \xff \xff \xff \xff \xff",
        "id=firewall msg=\"\xff",
        "{\"Id\":\xff}",
        "<Event><System><EventID>\xff</EventID></System></Event>",
        "date=\xff time=\xff logid=\"\xff\" devname=\"",
        "Nov 20 08:59:58 \xff \xff[\xff]: \xff",
    };
    mm_parse_ctx *pc = mm_xmalloc(sizeof(*pc));
    size_t big = 70000;
    char *longline = mm_xmalloc(big + 1);
    (void)state;

    for (size_t i = 0; i < big; i++)
        longline[i] = "id=firewall msg=\"AUT31504: Login succeeded for x\" "[i % 50];
    longline[big] = '\n';
    for (size_t k = 0; k < mm_log_parsers_len; k++) {
        const mm_log_parser *p = &mm_log_parsers[k];
        mm_framer fr;
        const char *msg;
        size_t len;
        int trunc = 0;
        mm_event ev;
        mm_rc rc;

        for (size_t i = 0; i < MM_ARRAY_LEN(inputs); i++) {
            mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
            rc = mm_log_parse(pc, p, (int)k, inputs[i], strlen(inputs[i]), &ev);
            if (rc == MM_AGAIN)
                continue;
            if (rc != MM_OK || ev.f[MM_EVF_RAW].p != inputs[i] ||
                ev.f[MM_EVF_RAW].n != strlen(inputs[i]) || ev.kind >= MM_EVK__COUNT)
                fail_msg("%s: input %zu: rc %d, kind %d", p->name, i, (int)rc, ev.kind);
        }
        /* over the maximum: the framer cuts it to MM_LOG_MAX_MSG_DEFAULT and says so */
        mm_framer_init(&fr, MM_FRAME_LINES, MM_LOG_MAX_MSG_DEFAULT);
        mm_framer_feed(&fr, longline, big + 1);
        assert_int_equal(mm_framer_next(&fr, &msg, &len, &trunc), MM_OK);
        assert_int_equal(len, MM_LOG_MAX_MSG_DEFAULT);
        assert_int_equal(trunc, 1);
        mm_parse_ctx_init(pc, NOW_MS, 540, NULL);
        rc = mm_log_parse(pc, p, (int)k, msg, len, &ev);
        if (rc != MM_AGAIN && (rc != MM_OK || ev.f[MM_EVF_RAW].n != len))
            fail_msg("%s: the cut line: rc %d", p->name, (int)rc);
        mm_framer_release(&fr);
    }
    free(longline);
    free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_cases),      cmocka_unit_test(test_emr_header),
        cmocka_unit_test(test_bsd_year),          cmocka_unit_test(test_framer_lines),
        cmocka_unit_test(test_framer_octet),      cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_evtx_file),         cmocka_unit_test(test_every_parser_bad_input),
        cmocka_unit_test(test_windows_sid_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
