/*
 * Unit tests for the log parsers and the framer: every row of tests/data/logs/parser_cases.tsv
 * (format, expected kind, outcome, user, source, device, target, time, input line) is parsed
 * and compared; the framer is fed split, over-long, CRLF and octet-counted input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_cases), cmocka_unit_test(test_emr_header),
        cmocka_unit_test(test_bsd_year),     cmocka_unit_test(test_framer_lines),
        cmocka_unit_test(test_framer_octet), cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
