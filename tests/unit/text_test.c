/*
 * Unit tests for src/base/text.c: strict UTF-8 decoding, look-alike (compatibility) character
 * detection and normalisation, encoding detection, and CP932 conversion both ways with the
 * positions of bad bytes. CP932 test input is built here with iconv(3) directly, so the code
 * under test does not produce its own fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <iconv.h>

#include "base.h"
#include "text.h"

/* UTF-8 -> CP932 with iconv, for building test input. Caller frees. */
static char *to_cp932(const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    size_t ileft = strlen(utf8), cap = ileft * 2 + 8, oleft = cap;
    char *out = mm_xmalloc(cap), *ip = (char *)utf8, *op = out;

    assert_true(cd != (iconv_t)-1);
    if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1)
        fail_msg("test fixture \"%s\" is not representable in CP932", utf8);
    iconv_close(cd);
    *outlen = cap - oleft;
    return out;
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

static const struct utf8_case {
    const char *name;
    const char *s;
    size_t len;
    int valid;
    size_t bad; /* offset of the first bad byte */
} utf8_cases[] = {
    {"ascii", "hello", 5, 1, 0},
    {"empty", "", 0, 1, 0},
    {"japanese", "日本語", 9, 1, 0},
    {"2-byte max", "\xDF\xBF", 2, 1, 0},
    {"3-byte U+FFFF", "\xEF\xBF\xBF", 3, 1, 0},
    {"4-byte emoji", "\xF0\x9F\x98\x80", 4, 1, 0},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF", 4, 1, 0},
    {"U+D7FF just below surrogates", "\xED\x9F\xBF", 3, 1, 0},
    {"U+E000 just above surrogates", "\xEE\x80\x80", 3, 1, 0},
    {"overlong 2-byte NUL", "a\xC0\x80", 3, 0, 1},
    {"overlong 2-byte slash", "\xC1\xAF", 2, 0, 0},
    {"overlong 3-byte", "ab\xE0\x80\xAF", 5, 0, 2},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", 3, 0, 0},
    {"overlong 4-byte", "\xF0\x80\x80\xAF", 4, 0, 0},
    {"overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", 4, 0, 0},
    {"surrogate high", "x\xED\xA0\x80", 4, 0, 1},
    {"surrogate low", "\xED\xBF\xBF", 3, 0, 0},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 4, 0, 0},
    {"F5 lead", "\xF5\x80\x80\x80", 4, 0, 0},
    {"FF byte", "abc\xFF", 4, 0, 3},
    {"lone continuation", "\x80", 1, 0, 0},
    {"truncated 2-byte", "abc\xC3", 4, 0, 3},
    {"truncated 3-byte", "日\xE6\x9C", 5, 0, 3},
    {"truncated 4-byte", "\xF0\x9F\x98", 3, 0, 0},
    {"bad continuation", "\xE6\x41\x41", 3, 0, 0},
    {"CP932 bytes", "\x93\xfa\x96\x7b", 4, 0, 0},
    {"NUL inside is valid", "a\0b", 3, 1, 0},
};

static void test_utf8_validate_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(utf8_cases); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        size_t bad = 9999;
        mm_rc rc = mm_utf8_validate(c->s, c->len, &bad);

        if ((rc == MM_OK) != c->valid)
            fail_msg("%s: %s, expected %s", c->name, mm_rc_str(rc), c->valid ? "valid" : "invalid");
        if (!c->valid && bad != c->bad)
            fail_msg("%s: bad byte at %zu, expected %zu", c->name, bad, c->bad);
    }
}

static void test_utf8_next_and_put(void **state)
{
    static const uint32_t cps[] = {0x41,   0x7F,    0x80,     0x3042, 0x2F64, 0xFA11,
                                   0xFFFD, 0x1F600, 0x10FFFF, 0x7FF,  0x800};

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cps); i++) {
        char enc[5];
        size_t pos = 0;
        uint32_t back = 0;

        mm_utf8_put(cps[i], enc);
        assert_int_equal(mm_utf8_next(enc, strlen(enc), &pos, &back), 1);
        if (back != cps[i] || pos != strlen(enc))
            fail_msg("U+%04X: decoded U+%04X, length %zu", cps[i], back, pos);
    }
    {
        size_t pos = 3;
        uint32_t cp;
        assert_int_equal(mm_utf8_next("abc", 3, &pos, &cp), 0); /* at the end */
        assert_int_equal(pos, 3);
    }
}

static void test_linecol(void **state)
{
    static const struct {
        const char *s;
        size_t off;
        long line, col;
    } cases[] = {
        {"abc", 0, 1, 1},        {"abc", 2, 1, 3},    {"a\nbc", 3, 2, 2}, {"日本語x", 9, 1, 4},
        {"日本\n語x", 10, 2, 2}, {"\n\n\n", 3, 4, 1}, {"a\tb", 2, 1, 3},  {"😀x", 4, 1, 2},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        long line, col;
        mm_text_linecol(cases[i].s, cases[i].off, &line, &col);
        if (line != cases[i].line || col != cases[i].col)
            fail_msg("\"%s\" @%zu: %ld:%ld, expected %ld:%ld", cases[i].s, cases[i].off, line, col,
                     cases[i].line, cases[i].col);
    }
}

/* ---- look-alikes ---------------------------------------------------------------------- */

static const struct lookalike_case {
    const char *name;
    uint32_t cp;
    int is;
    uint32_t standard;
} lookalike_cases[] = {
    {"⽤ KANGXI RADICAL USE", 0x2F64, 1, 0x7528},    /* 用 */
    {"⾏ KANGXI RADICAL WALK", 0x2F8F, 1, 0x884C},   /* 行 */
    {"⽅ KANGXI RADICAL SQUARE", 0x2F45, 1, 0x65B9}, /* 方 */
    {"⼀ KANGXI RADICAL ONE", 0x2F00, 1, 0x4E00},
    {"⺟ CJK RADICAL MOTHER", 0x2E9F, 1, 0x6BCD},
    {"⺀ radical without NFKC form", 0x2E80, 1, 0},
    {"行 U+FA08 compatibility ideograph", 0xFA08, 1, 0x884C},
    {"﨑 U+FA11 is a unified ideograph", 0xFA11, 0, 0},
    {"﨧 U+FA27 is a unified ideograph", 0xFA27, 0, 0},
    {"用 standard", 0x7528, 0, 0},
    {"髙 standard", 0x9AD9, 0, 0},
    {"① circled digit is kept", 0x2460, 0, 0},
    {"Ａ full-width letter is kept", 0xFF21, 0, 0},
    {"ascii", 0x41, 0, 0},
};

static void test_lookalike_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(lookalike_cases); i++) {
        const struct lookalike_case *c = &lookalike_cases[i];
        uint32_t std = 0xDEAD;
        int is = mm_text_is_lookalike(c->cp, &std);
        if (is != c->is || (is && std != c->standard))
            fail_msg("%s (U+%04X): is %d standard U+%04X, expected is %d standard U+%04X", c->name,
                     c->cp, is, std, c->is, c->standard);
    }
}

static void test_find_lookalike(void **state)
{
    size_t off = 0;
    uint32_t cp = 0, std = 0;

    (void)state;
    assert_int_equal(mm_text_find_lookalike("利⽤者", &off, &cp, &std), 1);
    assert_int_equal(off, 3);
    assert_int_equal(cp, 0x2F64);
    assert_int_equal(std, 0x7528);
    assert_int_equal(mm_text_find_lookalike("利用者の宮﨑さん", &off, &cp, &std), 0);
    assert_int_equal(mm_text_find_lookalike("", &off, &cp, &std), 0);
    /* The first one wins; invalid bytes before it are stepped over. */
    assert_int_equal(mm_text_find_lookalike("a\xFF⾏と⽤", &off, &cp, &std), 1);
    assert_int_equal(off, 2);
    assert_int_equal(cp, 0x2F8F);
}

static void test_normalize_table(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"利⽤者", "利用者"},
        {"⾏動⽅針", "行動方針"},
        {"運⽤管理規程の⽤語", "運用管理規程の用語"},
        {"宮﨑", "宮﨑"},         /* U+FA11 stays */
        {"2-⑩ ～ ①", "2-⑩ ～ ①"}, /* circled numbers and full-width tilde stay */
        {"⺀", "⺀"},             /* no standard form: left alone */
        {"", ""},
        {"ascii only", "ascii only"},
        {"bad\xFF byte ⽤", "bad\xFF byte 用"}, /* invalid bytes are kept, the rest still fixed */
        {"\xE6\x9C", "\xE6\x9C"},               /* truncated sequence kept */
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char *out = mm_text_normalize(cases[i].in);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("normalize(\"%s\") = \"%s\", expected \"%s\"", cases[i].in, out, cases[i].out);
        free(out);
    }
}

/* ---- detection and conversion --------------------------------------------------------- */

static void test_detect(void **state)
{
    size_t n;
    char *sj = to_cp932("項番,回答\n1-1,はい\n", &n);

    (void)state;
    assert_int_equal(mm_text_detect("", 0), MM_ENC_UTF8);
    assert_int_equal(mm_text_detect("item,answer\n", 12), MM_ENC_UTF8);
    assert_int_equal(mm_text_detect("項番", strlen("項番")), MM_ENC_UTF8);
    assert_int_equal(mm_text_detect("\xEF\xBB\xBF項番", strlen("\xEF\xBB\xBF項番")), MM_ENC_UTF8);
    /* A BOM wins even when the rest is broken. */
    assert_int_equal(mm_text_detect("\xEF\xBB\xBF\xFF", 4), MM_ENC_UTF8);
    assert_int_equal(mm_text_detect(sj, n), MM_ENC_CP932);
    free(sj);
}

static void test_utf8_input_and_bom(void **state)
{
    static const struct {
        const char *name;
        const char *in;
        const char *out;
    } cases[] = {
        {"no BOM", "項番,回答\n", "項番,回答\n"},
        {"BOM dropped", "\xEF\xBB\xBF項番,回答\n", "項番,回答\n"},
        {"BOM only", "\xEF\xBB\xBF", ""},
        {"only the leading BOM",
         "\xEF\xBB\xBF"
         "a\xEF\xBB\xBF",
         "a\xEF\xBB\xBF"},
        {"empty", "", ""},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char *out = NULL;
        size_t len = 0;
        mm_error err;

        mm_error_clear(&err);
        if (mm_text_to_utf8(cases[i].in, strlen(cases[i].in), MM_ENC_UTF8, &out, &len, &err) !=
            MM_OK)
            fail_msg("%s: %s", cases[i].name, err.msg);
        if (len != strlen(cases[i].out) || strcmp(out, cases[i].out) != 0)
            fail_msg("%s: \"%s\", expected \"%s\"", cases[i].name, out, cases[i].out);
        free(out);
    }
}

static void test_utf8_input_invalid_position(void **state)
{
    const char in[] = "\xEF\xBB\xBFitem,answer\n1-1,は\xFFい\n";
    char *out = NULL;
    size_t len = 0;
    mm_error err;

    (void)state;
    mm_error_clear(&err);
    assert_int_equal(mm_text_to_utf8(in, sizeof(in) - 1, MM_ENC_UTF8, &out, &len, &err),
                     MM_ERR_PARSE);
    assert_null(out);
    /* Line 2, after "1-1,は": column 6 (the BOM is not a column). */
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 6);
    assert_non_null(strstr(err.msg, "0xFF"));
}

static const char *const cp932_round_trip[] = {
    "項番,回答,確認日,備考\r\n2-10,いいえ,2025/06/01,二要素認証は令和９年度までに導入予定\r\n",
    "①②③ ⑩ ～ 髙橋 﨑 ｶﾀｶﾅ ㈱ № ≒ ∵ Ⅹ ⅰ ￢ ∪",
    "全角「かっこ」と（括弧）、記号：※〒♪",
    "ascii only, with \"quotes\"\n",
    "",
};

static void test_cp932_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cp932_round_trip); i++) {
        const char *u = cp932_round_trip[i];
        size_t sjlen = 0, ulen = 0, sj2len = 0;
        char *sj = to_cp932(u, &sjlen), *back = NULL, *sj2 = NULL;
        mm_error err;

        mm_error_clear(&err);
        if (mm_text_to_utf8(sj, sjlen, MM_ENC_CP932, &back, &ulen, &err) != MM_OK)
            fail_msg("case %zu: CP932 -> UTF-8 failed: %s", i, err.msg);
        if (ulen != strlen(u) || strcmp(back, u) != 0)
            fail_msg("case %zu: \"%s\", expected \"%s\"", i, back, u);
        if (mm_text_utf8_to_cp932(back, ulen, &sj2, &sj2len, &err) != MM_OK)
            fail_msg("case %zu: UTF-8 -> CP932 failed: %s", i, err.msg);
        if (sj2len != sjlen || memcmp(sj2, sj, sjlen) != 0)
            fail_msg("case %zu: CP932 bytes differ after the round trip", i);
        free(sj);
        free(back);
        free(sj2);
    }
}

static void test_cp932_known_bytes(void **state)
{
    /* Spot checks against the CP932 table itself, not against our own conversion. */
    static const struct {
        const char *bytes;
        const char *utf8;
    } cases[] = {
        {"\x87\x40", "①"}, {"\x81\x60", "～"}, {"\xFB\xFC", "髙"}, {"\x93\xfa\x96\x7b", "日本"},
        {"\xB6", "ｶ"},     {"\x5C", "\\"},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char *out = NULL;
        size_t len;
        assert_int_equal(
            mm_text_to_utf8(cases[i].bytes, strlen(cases[i].bytes), MM_ENC_CP932, &out, &len, NULL),
            MM_OK);
        if (strcmp(out, cases[i].utf8) != 0)
            fail_msg("case %zu: \"%s\", expected \"%s\"", i, out, cases[i].utf8);
        free(out);
    }
}

/* Long input forces the converter to grow its buffer (half-width katakana triple in size). */
static void test_cp932_growth(void **state)
{
    size_t n = 100000;
    char *in = mm_xmalloc(n), *out = NULL;
    size_t len = 0;

    (void)state;
    memset(in, '\xB1', n); /* ｱ */
    assert_int_equal(mm_text_to_utf8(in, n, MM_ENC_CP932, &out, &len, NULL), MM_OK);
    assert_int_equal(len, 3 * n);
    assert_memory_equal(out + len - 3, "ｱ", 3);
    assert_int_equal(out[len], '\0');
    free(in);
    free(out);
}

static const struct cp932_bad_case {
    const char *name;
    const char *utf8_before; /* converted with iconv */
    const char *bad;         /* raw bytes appended */
    const char *utf8_after;
    long line, col;
} cp932_bad_cases[] = {
    {"unassigned 0x85 0x40 on line 2", "項番,回答\n1-1,は", "\x85\x40", "い\n", 2, 6},
    {"bad trail byte 0x81 0x7F", "あいう", "\x81\x7F", "", 1, 4},
    {"0xA0 on line 3", "a\nb\nｶﾀ", "\xA0", "x", 3, 3},
    {"truncated lead byte at the end", "項番", "\x82", "", 1, 3},
    {"0xFD at line 1 col 1", "", "\xFD", "abc", 1, 1},
};

static void test_cp932_invalid_position(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cp932_bad_cases); i++) {
        const struct cp932_bad_case *c = &cp932_bad_cases[i];
        size_t alen, blen, badlen = strlen(c->bad), len;
        char *a = to_cp932(c->utf8_before, &alen), *b = to_cp932(c->utf8_after, &blen);
        char *in = mm_xmalloc(alen + badlen + blen), *out = NULL;
        mm_error err;
        mm_rc rc;

        memcpy(in, a, alen);
        memcpy(in + alen, c->bad, badlen);
        memcpy(in + alen + badlen, b, blen);
        mm_error_clear(&err);
        rc = mm_text_to_utf8(in, alen + badlen + blen, MM_ENC_CP932, &out, &len, &err);
        if (rc != MM_ERR_PARSE)
            fail_msg("%s: %s, expected a parse error", c->name, mm_rc_str(rc));
        if (err.line != c->line || err.col != c->col)
            fail_msg("%s: at %ld:%ld, expected %ld:%ld (%s)", c->name, err.line, err.col, c->line,
                     c->col, err.msg);
        if (!strstr(err.msg, "CP932"))
            fail_msg("%s: message \"%s\" does not name CP932", c->name, err.msg);
        assert_null(out);
        free(a);
        free(b);
        free(in);
    }
}

static void test_to_cp932_unrepresentable(void **state)
{
    static const struct {
        const char *in;
        uint32_t cp;
        long line, col;
    } cases[] = {
        {"備考😀", 0x1F600, 1, 3},
        {"1行目\n2行目の𠮷野家", 0x20BB7, 2, 5},
        {"한국어", 0xD55C, 1, 1},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        char *out = NULL, want[32];
        size_t len = 0;
        mm_error err;

        mm_error_clear(&err);
        assert_int_equal(mm_text_utf8_to_cp932(cases[i].in, strlen(cases[i].in), &out, &len, &err),
                         MM_ERR_INVALID);
        assert_null(out);
        snprintf(want, sizeof(want), "U+%04X", cases[i].cp);
        if (!strstr(err.msg, want))
            fail_msg("\"%s\": message \"%s\" does not name %s", cases[i].in, err.msg, want);
        if (err.line != cases[i].line || err.col != cases[i].col)
            fail_msg("\"%s\": at %ld:%ld, expected %ld:%ld", cases[i].in, err.line, err.col,
                     cases[i].line, cases[i].col);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validate_table),
        cmocka_unit_test(test_utf8_next_and_put),
        cmocka_unit_test(test_linecol),
        cmocka_unit_test(test_lookalike_table),
        cmocka_unit_test(test_find_lookalike),
        cmocka_unit_test(test_normalize_table),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_utf8_input_and_bom),
        cmocka_unit_test(test_utf8_input_invalid_position),
        cmocka_unit_test(test_cp932_round_trip),
        cmocka_unit_test(test_cp932_known_bytes),
        cmocka_unit_test(test_cp932_growth),
        cmocka_unit_test(test_cp932_invalid_position),
        cmocka_unit_test(test_to_cp932_unrepresentable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
