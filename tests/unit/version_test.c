/*
 * Unit tests for src/evidence/version.c: how firmware and software versions compare
 * (FortiOS, Ivanti, Windows builds) and how advisory range expressions match. Each case is a
 * row of a table; a failure names its row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "version.h"

static const struct cmp_case {
    const char *a, *b;
    int want; /* -1, 0, 1; 2 = invalid */
} cmp_cases[] = {
    {"7.2.12", "7.2.12", 0},
    {"7.2.2", "7.2.12", -1}, /* numbers, not strings */
    {"7.2.12", "7.2.3", 1},
    {"7.2", "7.2.0", 0}, /* missing numbers are zero */
    {"7.2.0.0", "7.2", 0},
    {"6.4.15 build2000", "6.4.15", 0}, /* the build number is ignored */
    {"6.4.15 build2000", "6.4.16", -1},
    {"v7.0.12,build0523 (GA)", "7.0.12", 0}, /* as `get system status` prints it */
    {"7.0.12-build0523", "7.0.12", 0},
    {"V6.0.4", "6.0.5", -1},
    {"22.7R2.5", "22.7R2.6", -1}, /* Ivanti */
    {"22.7R2.6", "22.7R2.6", 0},
    {"22.7R2", "22.7R2.0", 0},
    {"22.7R2.10", "22.7R2.9", 1},
    {"22.7R2.6", "22.8R1", -1},
    {"9.1R18.9", "22.7R1", -1},  /* Pulse Connect Secure 9.1 is older than 22.x */
    {"22.7", "22.7R1", -1},      /* a longer version with a word is greater */
    {"22.7r2.6", "22.7R2.6", 0}, /* words compare without case */
    {"23H2", "22H2", 1},         /* Windows feature updates */
    {"10.0.19045.3693", "10.0.19045.4046", -1},
    {"7.2.0beta", "7.2.0", 1}, /* no pre-release rule: documented */
    {"7.2.1", "7.2beta", -1},  /* a number sorts before a word at the same place */
    {"1.0", "1.0a", -1},
    {" 5.6.7", "5.6.7", 0}, /* leading white space */
    {"", "1.0", 2},
    {"abc", "1.0", 2}, /* must start with a digit */
    {"1.0!", "1.0", 2},
    {"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33",
     "1", 2},                        /* too many tokens */
    {"1234567890123456789", "1", 2}, /* a number longer than any real version */
};

static void test_compare_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cmp_cases); i++) {
        const struct cmp_case *c = &cmp_cases[i];
        int got = 99, back = 99;
        mm_rc rc = mm_version_compare(c->a, c->b, &got);
        if (c->want == 2) {
            if (rc != MM_ERR_PARSE)
                fail_msg("row %zu: \"%s\" vs \"%s\" should be invalid", i, c->a, c->b);
            continue;
        }
        if (rc != MM_OK)
            fail_msg("row %zu: \"%s\" vs \"%s\" failed", i, c->a, c->b);
        got = (got > 0) - (got < 0);
        if (got != c->want)
            fail_msg("row %zu: \"%s\" vs \"%s\": got %d, want %d", i, c->a, c->b, got, c->want);
        /* Antisymmetric. */
        assert_int_equal(mm_version_compare(c->b, c->a, &back), MM_OK);
        if (((back > 0) - (back < 0)) != -c->want)
            fail_msg("row %zu: not antisymmetric", i);
    }
}

#define FORTIOS_2018_13379 ">=6.0.0 <=6.0.4 || >=5.6.3 <=5.6.7 || >=5.4.6 <=5.4.12"
#define FORTIOS_2022_42475                                                                         \
    ">=7.2.0 <=7.2.2 || >=7.0.0 <=7.0.8 || >=6.4.0 <=6.4.10 || >=6.2.0 <=6.2.11 || "               \
    ">=6.0.0 <=6.0.15"

static const struct range_case {
    const char *version, *range;
    int want; /* 1 in, 0 not, -1 invalid */
} range_cases[] = {
    /* 半田病院 2021: FortiOS 6.0.4 was in range of CVE-2018-13379. */
    {"6.0.4", FORTIOS_2018_13379, 1},
    {"6.0.4 build0231", FORTIOS_2018_13379, 1},
    {"6.0.5", FORTIOS_2018_13379, 0},
    {"5.6.3", FORTIOS_2018_13379, 1},
    {"5.6.8", FORTIOS_2018_13379, 0},
    {"5.4.5", FORTIOS_2018_13379, 0},
    {"5.4.12", FORTIOS_2018_13379, 1},
    {"6.2.0", FORTIOS_2018_13379, 0},
    {"7.2.2", FORTIOS_2022_42475, 1},
    {"7.2.3", FORTIOS_2022_42475, 0},
    {"6.4.10", FORTIOS_2022_42475, 1},
    {"6.4.11", FORTIOS_2022_42475, 0},
    {"6.2.12", FORTIOS_2022_42475, 0},
    {"6.0.15", FORTIOS_2022_42475, 1},
    {"6.0.16", FORTIOS_2022_42475, 0},
    {"7.4.0", FORTIOS_2022_42475, 0},
    {"22.7R2.5", "<22.7R2.6", 1}, /* Ivanti CVE-2025-22457 */
    {"22.7R2.6", "<22.7R2.6", 0},
    {"22.7R2.4", "<=22.7R2.5", 1},
    {"22.7R2.6", "<=22.7R2.5", 0},
    {"9.1R18.9", ">=9.1 <9.2", 1},   /* Pulse Connect Secure 9.1x */
    {"9.1R18.9", ">= 9.1 < 9.2", 1}, /* a space after the operator */
    {"6.0.2", "6.0.0 - 6.0.4", 1},   /* hyphen range, inclusive */
    {"6.0.4", "6.0.0 - 6.0.4", 1},
    {"6.0.5", "6.0.0 - 6.0.4", 0},
    {"1.2.3", "1.2.3", 1}, /* bare version = */
    {"1.2.3", "=1.2.3", 1},
    {"1.2.3", "==1.2", 0},
    {"1.2.0", "==1.2", 1},
    {"1.2.4", ">1.2.3", 1},
    {"1.2.3", ">1.2.3", 0},
    {"0.1", "*", 1},
    {"7.0.1", "<7.0.0 || *", 1},
    {"7.0.1", "  >=7.0.0\t<7.0.2  ", 1},
    {"x", "*", -1},  /* invalid version */
    {"1.0", "", -1}, /* invalid ranges */
    {"1.0", "<", -1},
    {"1.0", ">=1.0 ||", -1},
    {"1.0", "|| >=1.0", -1},
    {"1.0", ">=1.0 | <2.0", -1},
    {"1.0", "~1.0", -1},
    {"1.0", ">=abc", -1},
    {"1.0", "2.0 - 1.0", -1},    /* low above high */
    {"1.0", ">=1.0 build5", -1}, /* no build suffixes inside ranges */
    {"1.0", "1.0 -", -1},
};

static void test_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(range_cases); i++) {
        const struct range_case *c = &range_cases[i];
        int got = mm_version_in_range(c->version, c->range);
        if (got != c->want)
            fail_msg("row %zu: \"%s\" in \"%s\": got %d, want %d", i, c->version, c->range, got,
                     c->want);
    }
}

static const struct check_case {
    const char *range;
    mm_rc rc;
    long col; /* err.col on error */
} check_cases[] = {
    {">=6.0.0 <6.0.5 || >=5.6.3 <5.6.8", MM_OK, 0},
    {"*", MM_OK, 0},
    {">=6.0.0 <6.0.x!", MM_ERR_PARSE, 10},
    {">=6.0.0 ||", MM_ERR_PARSE, 11},
    {"6.0.0 | 6.0.1", MM_ERR_PARSE, 7},
    {"", MM_ERR_PARSE, 1},
    {"≥6.0.0", MM_ERR_PARSE, 1}, /* columns count characters */
    {"6.0.0 ≤6.0.1", MM_ERR_PARSE, 7},
};

static void test_range_check_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(check_cases); i++) {
        const struct check_case *c = &check_cases[i];
        mm_error err;
        mm_error_clear(&err);
        mm_rc rc = mm_version_range_check(c->range, &err);
        if (rc != c->rc)
            fail_msg("row %zu: \"%s\": rc %d, want %d", i, c->range, rc, c->rc);
        if (rc != MM_OK && err.col != c->col)
            fail_msg("row %zu: \"%s\": col %ld, want %ld (%s)", i, c->range, err.col, c->col,
                     err.msg);
        if (rc != MM_OK && !strstr(err.msg, "expected"))
            fail_msg("row %zu: message does not say what was expected: %s", i, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_table),
        cmocka_unit_test(test_range_table),
        cmocka_unit_test(test_range_check_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
