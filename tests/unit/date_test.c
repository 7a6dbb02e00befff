/*
 * Unit tests for src/base/date.c: parsing, the Japanese fiscal year (年度), day arithmetic,
 * the era calendar (和暦) at every era boundary, and the MAMORI_TODAY override. Cases are
 * tables of input -> expected output; each failure names its row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "date.h"

/* ---- parsing ------------------------------------------------------------------------- */

static const struct parse_case {
    const char *in;
    mm_rc rc;
    int y, m, d; /* when rc == MM_OK */
    long col;    /* err.col when rc != MM_OK */
} parse_cases[] = {
    {"2025-04-01", MM_OK, 2025, 4, 1, 0},
    {"2025/04/01", MM_OK, 2025, 4, 1, 0},
    {"2024-02-29", MM_OK, 2024, 2, 29, 0}, /* leap year */
    {"2000-02-29", MM_OK, 2000, 2, 29, 0}, /* divisible by 400: leap */
    {"1873-01-01", MM_OK, 1873, 1, 1, 0},  /* first day of the Gregorian calendar in Japan */
    {"9999-12-31", MM_OK, 9999, 12, 31, 0},
    {"2025-4-1", MM_OK, 2025, 4, 1, 0}, /* as Japanese Excel writes dates */
    {"2025/4/1", MM_OK, 2025, 4, 1, 0},
    {"2025/12/9", MM_OK, 2025, 12, 9, 0},
    {"2025-02-29", MM_ERR_INVALID, 0, 0, 0, 9}, /* not a leap year */
    {"1900-02-29", MM_ERR_INVALID, 0, 0, 0, 9}, /* divisible by 100: not leap */
    {"2025-13-01", MM_ERR_INVALID, 0, 0, 0, 6},
    {"2025-00-10", MM_ERR_INVALID, 0, 0, 0, 6},
    {"2025-04-31", MM_ERR_INVALID, 0, 0, 0, 9},
    {"2025-04-00", MM_ERR_INVALID, 0, 0, 0, 9},
    {"2025-4-31", MM_ERR_INVALID, 0, 0, 0, 8},
    {"1872-12-31", MM_ERR_INVALID, 0, 0, 0, 1}, /* before the Gregorian calendar */
    {"", MM_ERR_PARSE, 0, 0, 0, 1},
    {"2025", MM_ERR_PARSE, 0, 0, 0, 5},
    {"25-04-01", MM_ERR_PARSE, 0, 0, 0, 1},
    {"20250401", MM_ERR_PARSE, 0, 0, 0, 5},
    {"2025.04.01", MM_ERR_PARSE, 0, 0, 0, 5},
    {"2025-04/01", MM_ERR_PARSE, 0, 0, 0, 8}, /* separators must match */
    {"2025-004-01", MM_ERR_PARSE, 0, 0, 0, 6},
    {"2025-04-001", MM_ERR_PARSE, 0, 0, 0, 9},
    {"2025-04-01x", MM_ERR_PARSE, 0, 0, 0, 9},
    {"2025-04-01 ", MM_ERR_PARSE, 0, 0, 0, 9},
    {" 2025-04-01", MM_ERR_PARSE, 0, 0, 0, 1},
    {"2025-ab-01", MM_ERR_PARSE, 0, 0, 0, 6},
    {"2025--01", MM_ERR_PARSE, 0, 0, 0, 6},
    {"２０２５-04-01", MM_ERR_PARSE, 0, 0, 0, 1}, /* full-width digits are not accepted */
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        mm_date d = {1, 1, 1};
        mm_error err;
        mm_rc rc;

        mm_error_clear(&err);
        rc = mm_date_parse(c->in, &d, &err);
        if (rc != c->rc)
            fail_msg("\"%s\": rc %s, expected %s (%s)", c->in, mm_rc_str(rc), mm_rc_str(c->rc),
                     err.msg);
        if (rc == MM_OK) {
            if (d.y != c->y || d.m != c->m || d.d != c->d)
                fail_msg("\"%s\": parsed %d-%d-%d, expected %d-%d-%d", c->in, d.y, d.m, d.d, c->y,
                         c->m, c->d);
        } else {
            if (err.rc != c->rc || err.col != c->col)
                fail_msg("\"%s\": err rc %d col %ld, expected rc %d col %ld (%s)", c->in, err.rc,
                         err.col, c->rc, c->col, err.msg);
            if (!err.msg[0])
                fail_msg("\"%s\": no error message", c->in);
            /* On failure the output is untouched. */
            if (d.y != 1 || d.m != 1 || d.d != 1)
                fail_msg("\"%s\": output written on failure", c->in);
        }
    }
}

static void test_parse_null_and_no_err(void **state)
{
    mm_date d;

    (void)state;
    assert_int_equal(mm_date_parse(NULL, &d, NULL), MM_ERR_PARSE);
    assert_int_equal(mm_date_parse("2025-02-30", &d, NULL), MM_ERR_INVALID);
    assert_int_equal(mm_date_parse("2025-02-28", &d, NULL), MM_OK);
}

static void test_valid_and_leap(void **state)
{
    static const struct {
        int y, m, days;
    } cases[] = {
        {2025, 1, 31}, {2025, 2, 28}, {2024, 2, 29},  {2100, 2, 28},  {2000, 2, 29}, {2025, 4, 30},
        {2025, 6, 30}, {2025, 9, 30}, {2025, 11, 30}, {2025, 12, 31}, {2025, 0, 0},  {2025, 13, 0},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++)
        if (mm_date_days_in_month(cases[i].y, cases[i].m) != cases[i].days)
            fail_msg("days_in_month(%d, %d) = %d, expected %d", cases[i].y, cases[i].m,
                     mm_date_days_in_month(cases[i].y, cases[i].m), cases[i].days);
    assert_true(mm_date_valid(&(mm_date){1873, 1, 1}));
    assert_false(mm_date_valid(&(mm_date){1872, 12, 31}));
    assert_false(mm_date_valid(&(mm_date){10000, 1, 1}));
    assert_false(mm_date_valid(&(mm_date){2025, 2, 29}));
    assert_false(mm_date_valid(&(mm_date){0, 0, 0}));
}

static void test_format(void **state)
{
    char out[11];
    mm_date d = {2025, 4, 1};

    (void)state;
    mm_date_iso(&d, out);
    assert_string_equal(out, "2025-04-01");
    mm_date_slash(&d, out);
    assert_string_equal(out, "2025/04/01");
    d = (mm_date){1873, 12, 31};
    mm_date_iso(&d, out);
    assert_string_equal(out, "1873-12-31");
}

static void test_cmp(void **state)
{
    mm_date a = {2025, 4, 1}, b = {2025, 4, 2}, c = {2025, 5, 1}, e = {2026, 1, 1};

    (void)state;
    assert_true(mm_date_cmp(&a, &b) < 0);
    assert_true(mm_date_cmp(&b, &a) > 0);
    assert_true(mm_date_cmp(&b, &c) < 0);
    assert_true(mm_date_cmp(&c, &e) < 0);
    assert_int_equal(mm_date_cmp(&a, &(mm_date){2025, 4, 1}), 0);
}

/* ---- fiscal year (年度) ------------------------------------------------------------------ */

static void test_fiscal_year_table(void **state)
{
    static const struct {
        const char *date;
        int fy;
    } cases[] = {
        {"2025-04-01", 2025}, {"2025-03-31", 2024}, {"2026-03-31", 2025}, {"2026-04-01", 2026},
        {"2025-12-31", 2025}, {"2026-01-01", 2025}, {"2025-01-01", 2024}, {"1873-01-01", 1872},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_date d;
        assert_int_equal(mm_date_parse(cases[i].date, &d, NULL), MM_OK);
        if (mm_date_fiscal_year(&d) != cases[i].fy)
            fail_msg("%s: fiscal year %d, expected %d", cases[i].date, mm_date_fiscal_year(&d),
                     cases[i].fy);
    }
}

static void test_fy_start_end(void **state)
{
    char s[11], e[11];

    (void)state;
    for (int fy = 2019; fy <= 2030; fy++) {
        mm_date start = mm_fy_start(fy), end = mm_fy_end(fy);
        mm_date before = mm_date_from_days(mm_date_to_days(&start) - 1);
        mm_date after = mm_date_from_days(mm_date_to_days(&end) + 1);
        assert_int_equal(mm_date_fiscal_year(&start), fy);
        assert_int_equal(mm_date_fiscal_year(&end), fy);
        assert_int_equal(mm_date_fiscal_year(&before), fy - 1);
        assert_int_equal(mm_date_fiscal_year(&after), fy + 1);
    }
    mm_date_iso(&(mm_date){mm_fy_start(2025).y, mm_fy_start(2025).m, mm_fy_start(2025).d}, s);
    mm_date_iso(&(mm_date){mm_fy_end(2025).y, mm_fy_end(2025).m, mm_fy_end(2025).d}, e);
    assert_string_equal(s, "2025-04-01");
    assert_string_equal(e, "2026-03-31");
}

/* ---- day arithmetic ------------------------------------------------------------------- */

static void test_days_known_values(void **state)
{
    static const struct {
        mm_date d;
        long days;
    } cases[] = {
        {{1970, 1, 1}, 0},      {{1970, 1, 2}, 1},     {{1969, 12, 31}, -1},
        {{2000, 3, 1}, 11017},  {{2025, 4, 1}, 20179}, {{1873, 1, 1}, -35428},
        {{2024, 2, 29}, 19782}, {{2024, 3, 1}, 19783},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        long got = mm_date_to_days(&cases[i].d);
        mm_date back = mm_date_from_days(cases[i].days);
        if (got != cases[i].days)
            fail_msg("%d-%d-%d: %ld days, expected %ld", cases[i].d.y, cases[i].d.m, cases[i].d.d,
                     got, cases[i].days);
        if (mm_date_cmp(&back, &cases[i].d) != 0)
            fail_msg("%ld days -> %d-%d-%d", cases[i].days, back.y, back.m, back.d);
    }
}

/* Every day from 1873-01-01 to 2200-12-31: the round trip holds and consecutive day numbers
 * are consecutive valid dates. */
static void test_days_round_trip_range(void **state)
{
    mm_date first = {1873, 1, 1}, last = {2200, 12, 31}, prev = first;
    long a = mm_date_to_days(&first), b = mm_date_to_days(&last), n = 0;

    (void)state;
    for (long z = a; z <= b; z++, n++) {
        mm_date d = mm_date_from_days(z);
        if (!mm_date_valid(&d))
            fail_msg("day %ld -> invalid %d-%d-%d", z, d.y, d.m, d.d);
        if (mm_date_to_days(&d) != z)
            fail_msg("day %ld -> %d-%d-%d -> %ld", z, d.y, d.m, d.d, mm_date_to_days(&d));
        if (z > a && mm_date_cmp(&prev, &d) >= 0)
            fail_msg("day %ld is not after day %ld", z, z - 1);
        prev = d;
    }
    /* 328 years with 79 leap years (1876..2200 minus 1900, 2100 and 2200). */
    assert_int_equal(n, 328L * 365 + 79);
}

/* ---- 和暦 ----------------------------------------------------------------------------- */

static const struct wareki_case {
    mm_date d;
    const char *text;
    const char *era;
    int year;
} wareki_cases[] = {
    {{1873, 1, 1}, "明治6年1月1日", "明治", 6},
    {{1912, 7, 29}, "明治45年7月29日", "明治", 45},
    {{1912, 7, 30}, "大正元年7月30日", "大正", 1},
    {{1926, 12, 24}, "大正15年12月24日", "大正", 15},
    {{1926, 12, 25}, "昭和元年12月25日", "昭和", 1},
    {{1927, 1, 1}, "昭和2年1月1日", "昭和", 2},
    {{1989, 1, 7}, "昭和64年1月7日", "昭和", 64},
    {{1989, 1, 8}, "平成元年1月8日", "平成", 1},
    {{1990, 1, 1}, "平成2年1月1日", "平成", 2},
    {{2019, 4, 30}, "平成31年4月30日", "平成", 31},
    {{2019, 5, 1}, "令和元年5月1日", "令和", 1},
    {{2020, 1, 1}, "令和2年1月1日", "令和", 2},
    {{2025, 4, 1}, "令和7年4月1日", "令和", 7},
};

static void test_wareki_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(wareki_cases); i++) {
        const struct wareki_case *c = &wareki_cases[i];
        char out[32];
        const char *era = NULL;
        int year = 0;

        if (mm_date_wareki(&c->d, out, sizeof(out)) != MM_OK)
            fail_msg("%d-%d-%d: wareki failed", c->d.y, c->d.m, c->d.d);
        if (strcmp(out, c->text) != 0)
            fail_msg("%d-%d-%d: \"%s\", expected \"%s\"", c->d.y, c->d.m, c->d.d, out, c->text);
        assert_int_equal(mm_date_era(&c->d, &era, &year), MM_OK);
        if (strcmp(era, c->era) != 0 || year != c->year)
            fail_msg("%d-%d-%d: era %s %d, expected %s %d", c->d.y, c->d.m, c->d.d, era, year,
                     c->era, c->year);
    }
}

static void test_wareki_errors(void **state)
{
    char out[32], tiny[8];
    mm_date d = {1872, 12, 31};

    (void)state;
    assert_int_equal(mm_date_wareki(&d, out, sizeof(out)), MM_ERR_INVALID);
    d = (mm_date){2025, 2, 30};
    assert_int_equal(mm_date_wareki(&d, out, sizeof(out)), MM_ERR_INVALID);
    /* Too small a buffer is reported, not silently cut. */
    d = (mm_date){2025, 4, 1};
    assert_int_equal(mm_date_wareki(&d, tiny, sizeof(tiny)), MM_ERR_INVALID);
}

static void test_fy_wareki_table(void **state)
{
    static const struct {
        int fy;
        const char *text;
    } cases[] = {
        {2025, "令和7年度"},  {2019, "令和元年度"}, {2020, "令和2年度"},  {2018, "平成30年度"},
        {1989, "平成元年度"}, {1988, "昭和63年度"}, {1926, "昭和元年度"}, {1925, "大正14年度"},
        {1912, "大正元年度"}, {1911, "明治44年度"},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char out[32];
        if (mm_fy_wareki(cases[i].fy, out, sizeof(out)) != MM_OK)
            fail_msg("FY%d: failed", cases[i].fy);
        if (strcmp(out, cases[i].text) != 0)
            fail_msg("FY%d: \"%s\", expected \"%s\"", cases[i].fy, out, cases[i].text);
    }
}

/* ---- today ----------------------------------------------------------------------------- */

static void test_today_override(void **state)
{
    mm_date t, real;
    const char *saved = getenv("MAMORI_TODAY");
    char *keep = saved ? mm_xstrdup(saved) : NULL;

    (void)state;
    assert_int_equal(setenv("MAMORI_TODAY", "2024-02-29", 1), 0);
    t = mm_date_today();
    assert_int_equal(t.y, 2024);
    assert_int_equal(t.m, 2);
    assert_int_equal(t.d, 29);

    assert_int_equal(setenv("MAMORI_TODAY", "2026/03/31", 1), 0);
    t = mm_date_today();
    assert_int_equal(mm_date_cmp(&t, &(mm_date){2026, 3, 31}), 0);

    /* An unusable override is ignored: today is a real, recent date. */
    unsetenv("MAMORI_TODAY");
    real = mm_date_today();
    assert_true(mm_date_valid(&real));
    assert_true(real.y >= 2025);
    assert_int_equal(setenv("MAMORI_TODAY", "2025-02-30", 1), 0);
    t = mm_date_today();
    assert_true(mm_date_valid(&t));
    assert_int_equal(t.y, real.y);
    assert_int_equal(setenv("MAMORI_TODAY", "", 1), 0);
    t = mm_date_today();
    assert_int_equal(t.y, real.y);

    if (keep)
        setenv("MAMORI_TODAY", keep, 1);
    else
        unsetenv("MAMORI_TODAY");
    free(keep);
}

static void test_now_override(void **state)
{
    char out[21];

    (void)state;
    assert_int_equal(setenv("MAMORI_NOW", "2025-06-01T00:00:00Z", 1), 0);
    mm_now_iso(out);
    assert_string_equal(out, "2025-06-01T00:00:00Z");
    unsetenv("MAMORI_NOW");
    mm_now_iso(out);
    assert_int_equal(strlen(out), 20);
    assert_int_equal(out[10], 'T');
    assert_int_equal(out[19], 'Z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_null_and_no_err),
        cmocka_unit_test(test_valid_and_leap),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_fiscal_year_table),
        cmocka_unit_test(test_fy_start_end),
        cmocka_unit_test(test_days_known_values),
        cmocka_unit_test(test_days_round_trip_range),
        cmocka_unit_test(test_wareki_table),
        cmocka_unit_test(test_wareki_errors),
        cmocka_unit_test(test_fy_wareki_table),
        cmocka_unit_test(test_today_override),
        cmocka_unit_test(test_now_override),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
