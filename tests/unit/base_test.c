/*
 * Unit tests for the foundation in src/base: the number and string helpers that replace the
 * banned libc calls, the bounded buffer and its escapers, error formatting, the CSV reader
 * (positions of fields, quoting, limits) and the JSON path locator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base.h"
#include "buf.h"
#include "csv.h"
#include "jsonpos.h"

/* ---- mm_parse_long -------------------------------------------------------------------- */

static void test_parse_long_table(void **state)
{
    static const struct {
        const char *in;
        long min, max;
        mm_rc rc;
        long out;
    } cases[] = {
        {"0", 0, 10, MM_OK, 0},
        {"10", 0, 10, MM_OK, 10},
        {"-5", -10, 10, MM_OK, -5},
        {"+7", 0, 10, MM_OK, 7},
        {"2025", 2023, 2099, MM_OK, 2025},
        {"007", 0, 10, MM_OK, 7},
        {"11", 0, 10, MM_ERR_INVALID, 0}, /* above max */
        {"-1", 0, 10, MM_ERR_INVALID, 0}, /* below min */
        {"2022", 2023, 2099, MM_ERR_INVALID, 0},
        {"99999999999999999999999", 0, 10, MM_ERR_INVALID, 0}, /* overflows long */
        {"", 0, 10, MM_ERR_PARSE, 0},
        {"abc", 0, 10, MM_ERR_PARSE, 0},
        {"5x", 0, 10, MM_ERR_PARSE, 0}, /* trailing garbage */
        {"5 ", 0, 10, MM_ERR_PARSE, 0}, /* trailing space */
        {" 5", 0, 10, MM_ERR_PARSE, 0}, /* leading space */
        {"1.5", 0, 10, MM_ERR_PARSE, 0},
        {"0x10", 0, 100, MM_ERR_PARSE, 0},
        {"-", 0, 10, MM_ERR_PARSE, 0},
        {"+", 0, 10, MM_ERR_PARSE, 0},
        {"５", 0, 10, MM_ERR_PARSE, 0}, /* full-width digit */
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        long out = 12345;
        mm_rc rc = mm_parse_long(cases[i].in, cases[i].min, cases[i].max, &out);
        if (rc != cases[i].rc)
            fail_msg("\"%s\" in [%ld, %ld]: rc %s, expected %s", cases[i].in, cases[i].min,
                     cases[i].max, mm_rc_str(rc), mm_rc_str(cases[i].rc));
        if (rc == MM_OK && out != cases[i].out)
            fail_msg("\"%s\": %ld, expected %ld", cases[i].in, out, cases[i].out);
        if (rc != MM_OK && out != 12345)
            fail_msg("\"%s\": output written on failure", cases[i].in);
    }
    assert_int_equal(mm_parse_long(NULL, 0, 10, &(long){0}), MM_ERR_PARSE);
}

/* ---- mm_strlcpy, mm_snprintf, mm_streq ------------------------------------------------ */

static void test_strlcpy_table(void **state)
{
    static const struct {
        const char *src;
        size_t dstsz;
        const char *out;
    } cases[] = {
        {"hello", 16, "hello"}, {"hello", 6, "hello"},                           /* exact fit */
        {"hello", 5, "hell"},   {"hello", 1, ""},      {"あいう", 10, "あいう"}, /* 9 bytes */
        {"あいう", 9, "あい"}, /* would need the NUL: the last character goes whole */
        {"あいう", 8, "あい"},  {"あいう", 7, "あい"}, {"あいう", 6, "あ"},
        {"あいう", 4, "あ"},    {"あいう", 3, ""},     {"aあ", 3, "a"},
        {"a😀b", 5, "a"}, /* 4-byte sequence */
        {"a😀b", 6, "a😀"},       {"2-⑩", 5, "2-"},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char dst[32];
        size_t n;

        memset(dst, 'X', sizeof(dst));
        n = mm_strlcpy(dst, cases[i].src, cases[i].dstsz);
        if (strcmp(dst, cases[i].out) != 0)
            fail_msg("strlcpy(\"%s\", %zu) = \"%s\", expected \"%s\"", cases[i].src, cases[i].dstsz,
                     dst, cases[i].out);
        if (n != strlen(cases[i].out))
            fail_msg("strlcpy(\"%s\", %zu) returned %zu", cases[i].src, cases[i].dstsz, n);
        /* Nothing is written past dstsz. */
        for (size_t k = cases[i].dstsz; k < sizeof(dst); k++)
            if (dst[k] != 'X')
                fail_msg("strlcpy(\"%s\", %zu) wrote byte %zu", cases[i].src, cases[i].dstsz, k);
    }
    {
        char one = 'X';
        assert_int_equal(mm_strlcpy(&one, "abc", 0), 0);
        assert_int_equal(one, 'X');
    }
}

static void test_snprintf_and_streq(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(mm_snprintf(out, sizeof(out), "%s", "1234567"), MM_OK);
    assert_string_equal(out, "1234567");
    assert_int_equal(mm_snprintf(out, sizeof(out), "%s", "12345678"), MM_ERR_INVALID);
    assert_int_equal(mm_snprintf(out, sizeof(out), "%d-%d", 20, 25), MM_OK);
    assert_string_equal(out, "20-25");

    assert_true(mm_streq("a", "a"));
    assert_false(mm_streq("a", "b"));
    assert_false(mm_streq("a", NULL));
    assert_false(mm_streq(NULL, ""));
    assert_true(mm_streq(NULL, NULL));
    assert_string_equal(mm_rc_str(MM_ERR_TAMPER), "integrity check failed");
    assert_string_equal(mm_rc_str((mm_rc)999), "unknown error");
}

/* ---- mm_buf ----------------------------------------------------------------------------- */

static void test_buf_bounded(void **state)
{
    mm_buf b;

    (void)state;
    mm_buf_init(&b, 8);
    assert_string_equal(mm_buf_str(&b), "");
    assert_int_equal(mm_buf_adds(&b, "1234"), MM_OK);
    assert_int_equal(mm_buf_addf(&b, "%d", 5678), MM_OK);
    assert_int_equal(b.len, 8);
    assert_string_equal(mm_buf_str(&b), "12345678");
    /* Full: every appender refuses and leaves the contents as they were. */
    assert_int_equal(mm_buf_addc(&b, '9'), MM_ERR_INVALID);
    assert_int_equal(mm_buf_adds(&b, "9"), MM_ERR_INVALID);
    assert_int_equal(mm_buf_addf(&b, "%s", "9"), MM_ERR_INVALID);
    assert_int_equal(mm_buf_add(&b, "9", 1), MM_ERR_INVALID);
    assert_int_equal(b.len, 8);
    assert_string_equal(mm_buf_str(&b), "12345678");
    /* Adding nothing to a full buffer is fine. */
    assert_int_equal(mm_buf_add(&b, "", 0), MM_OK);

    mm_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(mm_buf_str(&b), "");
    assert_int_equal(mm_buf_adds(&b, "abc"), MM_OK);
    /* An append that does not fit as a whole is refused as a whole. */
    assert_int_equal(mm_buf_adds(&b, "defghi"), MM_ERR_INVALID);
    assert_string_equal(mm_buf_str(&b), "abc");
    assert_int_equal(mm_buf_addf(&b, "%s-%d", "xyz", 12), MM_ERR_INVALID);
    assert_string_equal(mm_buf_str(&b), "abc");
    assert_int_equal(mm_buf_addf(&b, "%s%d", "de", 1), MM_OK);
    assert_string_equal(mm_buf_str(&b), "abcde1");
    mm_buf_release(&b);
    mm_buf_release(NULL);
}

static void test_buf_grow_and_detach(void **state)
{
    mm_buf b;
    char *p;
    size_t len = 99;

    (void)state;
    mm_buf_init(&b, 0); /* default maximum */
    assert_int_equal(b.max, MM_BUF_DEFAULT_MAX);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(mm_buf_addf(&b, "%04d,", i % 10000), MM_OK);
    assert_int_equal(b.len, 50000);
    assert_memory_equal(b.data + 49995, "9999,", 5);
    p = mm_buf_detach(&b, &len);
    assert_int_equal(len, 50000);
    assert_int_equal(strlen(p), 50000);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);

    /* Detaching an empty buffer gives "", never NULL. */
    p = mm_buf_detach(&b, &len);
    assert_non_null(p);
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);
    mm_buf_release(&b);
}

static void test_buf_escaping(void **state)
{
    static const struct {
        int kind; /* 0 html, 1 csv, 2 json */
        const char *in, *out;
    } cases[] = {
        {0, "plain 日本語", "plain 日本語"},
        {0, "<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"},
        {0, "&amp;", "&amp;amp;"},
        {0, "", ""},
        {1, "plain", "plain"},
        {1, "", ""},
        {1, "はい", "はい"},
        {1, "a,b", "\"a,b\""},
        {1, "say \"hi\"", "\"say \"\"hi\"\"\""},
        {1, "two\nlines", "\"two\nlines\""},
        {1, "cr\r\nlf", "\"cr\r\nlf\""},
        {1, " leading space", "\" leading space\""},
        {1, "\tleading tab", "\"\tleading tab\""},
        {1, "trailing ", "trailing "},
        {2, "plain", "\"plain\""},
        {2, "", "\"\""},
        {2, "q\"b\\", "\"q\\\"b\\\\\""},
        {2, "a\nb\rc\td", "\"a\\nb\\rc\\td\""},
        {2, "\x01\x1f", "\"\\u0001\\u001f\""},
        {2, "利用者 ⑩", "\"利用者 ⑩\""},
        {2, "</script>", "\"</script>\""},
        /* invalid UTF-8 (a Shift_JIS log line, a cut sequence, an overlong) stays valid JSON */
        {2, "\x83\x8d\x83O", "\"\\ufffd\\ufffd\\ufffdO\""},
        {2, "cut \xe3\x81", "\"cut \\ufffd\\ufffd\""},
        {2, "\xc0\xafx", "\"\\ufffd\\ufffdx\""},
        {2, "ok ✓ \xff", "\"ok ✓ \\ufffd\""},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_buf b;
        mm_rc rc;

        mm_buf_init(&b, 0);
        mm_buf_adds(&b, "[");
        rc = cases[i].kind == 0   ? mm_buf_add_html(&b, cases[i].in)
             : cases[i].kind == 1 ? mm_buf_add_csv(&b, cases[i].in)
                                  : mm_buf_add_json_str(&b, cases[i].in);
        mm_buf_adds(&b, "]");
        assert_int_equal(rc, MM_OK);
        /* The escaper appends; it does not replace what was there. */
        if (b.len < 2 || strncmp(b.data + 1, cases[i].out, b.len - 2) != 0 ||
            strlen(cases[i].out) != b.len - 2)
            fail_msg("escape kind %d of \"%s\": got %s, expected [%s]", cases[i].kind, cases[i].in,
                     mm_buf_str(&b), cases[i].out);
        mm_buf_release(&b);
    }
}

static void test_buf_escaping_bounded(void **state)
{
    mm_buf b;

    (void)state;
    mm_buf_init(&b, 6);
    assert_int_equal(mm_buf_add_html(&b, "<<"), MM_ERR_INVALID); /* "&lt;&lt;" is 8 bytes */
    assert_true(b.len <= 6);
    mm_buf_release(&b);
    mm_buf_init(&b, 4);
    assert_int_equal(mm_buf_add_json_str(&b, "abcd"), MM_ERR_INVALID);
    assert_true(b.len <= 4);
    mm_buf_release(&b);
}

/* ---- mm_error ------------------------------------------------------------------------- */

static void test_error_format(void **state)
{
    static const struct {
        const char *file;
        long line, col;
        const char *msg;
        mm_rc rc;
        const char *out;
    } cases[] = {
        {"answers.csv", 3, 14, "bad date", MM_ERR_PARSE, "answers.csv:3:14: bad date"},
        {"answers.csv", 3, 0, "bad row", MM_ERR_PARSE, "answers.csv:3: bad row"},
        {"answers.csv", 0, 0, "cannot open", MM_ERR_IO, "answers.csv: cannot open"},
        {"answers.csv", 0, 5, "no line", MM_ERR_IO, "answers.csv: no line"},
        {NULL, 3, 4, "no file", MM_ERR_INVALID, "no file"},
        {"x.json", 1, 1, "", MM_ERR_NOTFOUND, "x.json:1:1: not found"},
        {"回答.csv", 2, 3, "日付が不正です", MM_ERR_INVALID, "回答.csv:2:3: 日付が不正です"},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_error err;
        char out[256];
        mm_rc rc;

        mm_error_clear(&err);
        rc = mm_error_set(&err, cases[i].rc, cases[i].file, cases[i].line, cases[i].col, "%s",
                          cases[i].msg);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(err.rc, cases[i].rc);
        mm_error_format(&err, out, sizeof(out));
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("case %zu: \"%s\", expected \"%s\"", i, out, cases[i].out);
    }
}

static void test_error_format_small_and_null(void **state)
{
    mm_error err;
    char out[12];
    char one[1] = {'X'};

    (void)state;
    mm_error_clear(&err);
    mm_error_set(&err, MM_ERR_PARSE, "a-rather-long-file-name.csv", 10, 20, "message");
    mm_error_format(&err, out, sizeof(out));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_memory_equal(out, "a-rather-lo", 11);
    mm_error_format(&err, one, sizeof(one));
    assert_int_equal(one[0], '\0');
    /* A NULL error pointer is allowed and still returns the code. */
    assert_int_equal(mm_error_set(NULL, MM_ERR_IO, "f", 1, 1, "x"), MM_ERR_IO);
    mm_error_clear(NULL);
    /* Long messages are cut, terminated. */
    {
        char big[2000];
        memset(big, 'm', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        mm_error_set(&err, MM_ERR_PARSE, big, 1, 1, "%s", big);
        assert_int_equal(strlen(err.file), sizeof(err.file) - 1);
        assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
    }
}

/* ---- mm_csv ----------------------------------------------------------------------------- */

#define MAXF 4
#define MAXR 3

typedef struct {
    const char *text;
    long line, col;
} xfield;

static const struct csv_case {
    const char *name;
    const char *in;
    size_t nrec;
    size_t nf[MAXR];
    xfield f[MAXR][MAXF];
} csv_cases[] = {
    {"simple LF",
     "a,b,c\n1,2,3\n",
     2,
     {3, 3},
     {{{"a", 1, 1}, {"b", 1, 3}, {"c", 1, 5}}, {{"1", 2, 1}, {"2", 2, 3}, {"3", 2, 5}}}},
    {"CRLF", "a,b\r\n1,2\r\n", 2, {2, 2}, {{{"a", 1, 1}, {"b", 1, 3}}, {{"1", 2, 1}, {"2", 2, 3}}}},
    {"no final newline", "x,y", 1, {2}, {{{"x", 1, 1}, {"y", 1, 3}}}},
    {"doubled quotes",
     "\"he said \"\"hi\"\"\",x\n",
     1,
     {2},
     {{{"he said \"hi\"", 1, 1}, {"x", 1, 18}}}},
    {"quoted comma and empty quoted",
     "\"a,b\",\"\",c\n",
     1,
     {3},
     {{{"a,b", 1, 1}, {"", 1, 7}, {"c", 1, 10}}}},
    {"embedded newline",
     "\"line1\nline2\",b\nc,d\n",
     2,
     {2, 2},
     {{{"line1\nline2", 1, 1}, {"b", 2, 8}}, {{"c", 3, 1}, {"d", 3, 3}}}},
    {"embedded CRLF kept inside quotes",
     "\"a\r\nb\",c\r\nd\r\n",
     2,
     {2, 1},
     {{{"a\r\nb", 1, 1}, {"c", 2, 4}}, {{"d", 3, 1}}}},
    {"Japanese counted as one column each",
     "項番,回答,備考\n2-⑩,はい,日本語のメモ\n",
     2,
     {3, 3},
     {{{"項番", 1, 1}, {"回答", 1, 4}, {"備考", 1, 7}},
      {{"2-⑩", 2, 1}, {"はい", 2, 5}, {"日本語のメモ", 2, 8}}}},
    {"quoted Japanese with newline",
     "\"いい\nえ\",後\n",
     1,
     {2},
     {{{"いい\nえ", 1, 1}, {"後", 2, 4}}}},
    {"blank lines skipped", "a\n\n\r\n\nb\n", 2, {1, 1}, {{{"a", 1, 1}}, {{"b", 5, 1}}}},
    {"empty fields", ",,\n", 1, {3}, {{{"", 1, 1}, {"", 1, 2}, {"", 1, 3}}}},
    {"trailing comma", "a,\n", 1, {2}, {{{"a", 1, 1}, {"", 1, 3}}}},
    {"spaces kept", " a , b \n", 1, {2}, {{{" a ", 1, 1}, {" b ", 1, 5}}}},
};

static void test_csv_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(csv_cases); i++) {
        const struct csv_case *c = &csv_cases[i];
        mm_csv csv;
        mm_error err;
        size_t r = 0;
        mm_rc rc;

        mm_error_clear(&err);
        mm_csv_init(&csv, "t.csv", c->in, strlen(c->in));
        while ((rc = mm_csv_next(&csv, &err)) == MM_OK) {
            if (r >= c->nrec)
                fail_msg("%s: more than %zu records", c->name, c->nrec);
            if (csv.nfields != c->nf[r])
                fail_msg("%s: record %zu has %zu fields, expected %zu", c->name, r + 1, csv.nfields,
                         c->nf[r]);
            for (size_t k = 0; k < csv.nfields; k++) {
                const xfield *x = &c->f[r][k];
                const mm_csv_field *f = &csv.fields[k];
                if (strcmp(f->text, x->text) != 0 || f->line != x->line || f->col != x->col)
                    fail_msg("%s: record %zu field %zu is \"%s\" at %ld:%ld, expected \"%s\" at "
                             "%ld:%ld",
                             c->name, r + 1, k + 1, f->text, f->line, f->col, x->text, x->line,
                             x->col);
            }
            if (csv.record_line != c->f[r][0].line)
                fail_msg("%s: record %zu starts on line %ld", c->name, r + 1, csv.record_line);
            r++;
        }
        if (rc != MM_ERR_NOTFOUND)
            fail_msg("%s: ended with %s: %s", c->name, mm_rc_str(rc), err.msg);
        if (r != c->nrec)
            fail_msg("%s: %zu records, expected %zu", c->name, r, c->nrec);
        mm_csv_release(&csv);
    }
}

static void test_csv_empty_input(void **state)
{
    mm_csv csv;

    (void)state;
    mm_csv_init(&csv, "t.csv", "", 0);
    assert_int_equal(mm_csv_next(&csv, NULL), MM_ERR_NOTFOUND);
    mm_csv_release(&csv);
    mm_csv_init(&csv, "t.csv", "\r\n\n", 3);
    assert_int_equal(mm_csv_next(&csv, NULL), MM_ERR_NOTFOUND);
    mm_csv_release(&csv);
}

static const struct csv_err_case {
    const char *name;
    const char *in;
    size_t good_records; /* records read before the error */
    long line, col;
    const char *fragment;
} csv_err_cases[] = {
    {"unterminated quote", "a,b\n1,\"open\nmore\n", 1, 2, 3, "unterminated quoted field"},
    {"unterminated quote after Japanese", "項番,\"回答\n", 0, 1, 4, "unterminated quoted field"},
    {"text after closing quote", "\"a\"b,c\n", 0, 1, 4, "after the closing quote"},
    {"quote inside unquoted field", "ok\nab\"c\n", 1, 2, 3, "a quote inside an unquoted field"},
    {"quote inside unquoted after Japanese", "はい,いい\"え\n", 0, 1, 6,
     "a quote inside an unquoted field"},
};

static void test_csv_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(csv_err_cases); i++) {
        const struct csv_err_case *c = &csv_err_cases[i];
        mm_csv csv;
        mm_error err;
        size_t r = 0;
        mm_rc rc;

        mm_error_clear(&err);
        mm_csv_init(&csv, "bad.csv", c->in, strlen(c->in));
        while ((rc = mm_csv_next(&csv, &err)) == MM_OK)
            r++;
        if (rc != MM_ERR_PARSE)
            fail_msg("%s: %s, expected a parse error", c->name, mm_rc_str(rc));
        if (r != c->good_records)
            fail_msg("%s: %zu records before the error, expected %zu", c->name, r, c->good_records);
        if (err.line != c->line || err.col != c->col || strcmp(err.file, "bad.csv") != 0)
            fail_msg("%s: error at %s:%ld:%ld, expected bad.csv:%ld:%ld (%s)", c->name, err.file,
                     err.line, err.col, c->line, c->col, err.msg);
        if (!strstr(err.msg, c->fragment))
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, err.msg, c->fragment);
        mm_csv_release(&csv);
    }
}

static void test_csv_max_fields(void **state)
{
    mm_buf b;
    mm_csv csv;
    mm_error err;

    (void)state;
    /* Exactly MM_CSV_MAX_FIELDS fields is fine. */
    mm_buf_init(&b, 0);
    for (int i = 0; i < MM_CSV_MAX_FIELDS; i++)
        mm_buf_addf(&b, "%s%d", i ? "," : "", i % 10);
    mm_buf_adds(&b, "\n");
    mm_csv_init(&csv, "wide.csv", b.data, b.len);
    assert_int_equal(mm_csv_next(&csv, &err), MM_OK);
    assert_int_equal(csv.nfields, MM_CSV_MAX_FIELDS);
    assert_string_equal(csv.fields[MM_CSV_MAX_FIELDS - 1].text, "5");
    mm_csv_release(&csv);

    /* One more is an error pointing at the extra field. */
    mm_buf_reset(&b);
    for (int i = 0; i <= MM_CSV_MAX_FIELDS; i++)
        mm_buf_addf(&b, "%s%d", i ? "," : "", i % 10);
    mm_buf_adds(&b, "\n");
    mm_error_clear(&err);
    mm_csv_init(&csv, "wide.csv", b.data, b.len);
    assert_int_equal(mm_csv_next(&csv, &err), MM_ERR_PARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 2 * MM_CSV_MAX_FIELDS + 1);
    assert_non_null(strstr(err.msg, "more than 256 fields"));
    mm_csv_release(&csv);
    mm_buf_release(&b);
}

static void test_csv_max_field_length(void **state)
{
    mm_buf b;
    mm_csv csv;
    mm_error err;

    (void)state;
    mm_buf_init(&b, 0);
    mm_buf_adds(&b, "ok,");
    for (int i = 0; i < MM_CSV_MAX_FIELD; i++)
        mm_buf_addc(&b, 'x');
    mm_buf_adds(&b, "\n");
    mm_csv_init(&csv, "long.csv", b.data, b.len);
    assert_int_equal(mm_csv_next(&csv, &err), MM_OK);
    assert_int_equal(strlen(csv.fields[1].text), MM_CSV_MAX_FIELD);
    mm_csv_release(&csv);

    mm_buf_reset(&b);
    mm_buf_adds(&b, "ok,\"");
    for (int i = 0; i <= MM_CSV_MAX_FIELD; i++)
        mm_buf_addc(&b, 'x');
    mm_buf_adds(&b, "\"\n");
    mm_error_clear(&err);
    mm_csv_init(&csv, "long.csv", b.data, b.len);
    assert_int_equal(mm_csv_next(&csv, &err), MM_ERR_PARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 4);
    assert_non_null(strstr(err.msg, "field longer than"));
    mm_csv_release(&csv);
    mm_buf_release(&b);
}

/* ---- mm_json_locate ------------------------------------------------------------------- */

static const char json_doc[] =
    "{\n"
    "  \"a\": 1,\n"
    "  \"str\": \"x\\\"y\",\n"
    "  \"items\": [\n"
    "    {\"id\": \"1-1\", \"scopes\": [\"all\"]},\n"
    "    {\"id\": \"2-12\", \"scopes\": [\"server\", \"pc\"], \"n\": {\"deep\": [1, [2, 3]]}}\n"
    "  ],\n"
    "  \"名前\": \"値\", \"k\": true,\n"
    "  \"empty\": {}, \"arr\": [], \"last\": null\n"
    "}\n";

static const struct json_case {
    const char *name;
    mm_jpath path[6];
    size_t n;
    int found;
    long line, col;
} json_cases[] = {
    {"root", {{0}}, 0, 1, 1, 1},
    {"a", {{"a", 0}}, 1, 1, 2, 8},
    {"str after escaped quote", {{"str", 0}}, 1, 1, 3, 10},
    {"items", {{"items", 0}}, 1, 1, 4, 12},
    {"items[0]", {{"items", 0}, {NULL, 0}}, 2, 1, 5, 5},
    {"items[0].id", {{"items", 0}, {NULL, 0}, {"id", 0}}, 3, 1, 5, 12},
    {"items[1].scopes[1]", {{"items", 0}, {NULL, 1}, {"scopes", 0}, {NULL, 1}}, 4, 1, 6, 41},
    {"items[1].n.deep[1][0]",
     {{"items", 0}, {NULL, 1}, {"n", 0}, {"deep", 0}, {NULL, 1}, {NULL, 0}},
     6,
     1,
     6,
     67},
    {"Japanese key", {{"名前", 0}}, 1, 1, 8, 9},
    {"key after Japanese", {{"k", 0}}, 1, 1, 8, 19},
    {"last", {{"last", 0}}, 1, 1, 9, 35},
    /* Not found: the nearest enclosing value that exists. */
    {"items[5]", {{"items", 0}, {NULL, 5}}, 2, 0, 4, 12},
    {"items[1].nope", {{"items", 0}, {NULL, 1}, {"nope", 0}}, 3, 0, 6, 5},
    {"missing top key", {{"zzz", 0}}, 1, 0, 1, 1},
    {"index into object", {{"a", 0}, {NULL, 0}}, 2, 0, 2, 8},
    {"key into array", {{"items", 0}, {"x", 0}}, 2, 0, 4, 12},
    {"empty object", {{"empty", 0}, {"x", 0}}, 2, 0, 9, 12},
    {"empty array", {{"arr", 0}, {NULL, 0}}, 2, 0, 9, 23},
};

static void test_json_locate_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(json_cases); i++) {
        const struct json_case *c = &json_cases[i];
        size_t off = 9999;
        long line = 0, col = 0;
        int found = mm_json_locate(json_doc, strlen(json_doc), c->path, c->n, &off);

        mm_json_linecol(json_doc, strlen(json_doc), c->path, c->n, &line, &col);
        if (found != c->found || line != c->line || col != c->col)
            fail_msg("%s: found %d at %ld:%ld (offset %zu), expected found %d at %ld:%ld", c->name,
                     found, line, col, off, c->found, c->line, c->col);
    }
}

static void test_json_locate_offsets(void **state)
{
    size_t off = 0;
    mm_jpath p[] = {{"items", 0}, {NULL, 1}, {"scopes", 0}, {NULL, 1}};

    (void)state;
    assert_int_equal(mm_json_locate(json_doc, strlen(json_doc), p, 4, &off), 1);
    assert_ptr_equal(json_doc + off, strstr(json_doc, "\"pc\""));
    /* Truncated text: no crash, only a prefix found. */
    assert_int_equal(mm_json_locate(json_doc, 60, p, 4, &off), 0);
    assert_true(off < 60);
    assert_int_equal(mm_json_locate("", 0, p, 4, &off), 0);
    assert_int_equal(mm_json_locate("[1,2", 4, &(mm_jpath){NULL, 5}, 1, &off), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_long_table),
        cmocka_unit_test(test_strlcpy_table),
        cmocka_unit_test(test_snprintf_and_streq),
        cmocka_unit_test(test_buf_bounded),
        cmocka_unit_test(test_buf_grow_and_detach),
        cmocka_unit_test(test_buf_escaping),
        cmocka_unit_test(test_buf_escaping_bounded),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_error_format_small_and_null),
        cmocka_unit_test(test_csv_table),
        cmocka_unit_test(test_csv_empty_input),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_max_fields),
        cmocka_unit_test(test_csv_max_field_length),
        cmocka_unit_test(test_json_locate_table),
        cmocka_unit_test(test_json_locate_offsets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
