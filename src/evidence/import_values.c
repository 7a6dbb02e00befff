/*
 * The value types of evidence files: one converter per mm_field_type, each turning what a
 * hospital's Excel or a collector wrote into the one canonical text the store keeps, or
 * saying precisely what was expected.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>

#include "date.h"
#include "importer_int.h"
#include "text.h"
#include "version.h"

/* Converter contract: in is trimmed and non-empty. On failure a converter may fill ferr->msg
 * with a specific reason (and ferr->col); when it leaves msg empty the caller uses the type's
 * generic expectation from the table below. */
typedef mm_rc (*convert_fn)(const mm_import_field *f, const char *in, char **out, mm_error *ferr);

static mm_rc conv_text(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    size_t max = f->maxlen ? f->maxlen : MM_IMPORT_MAX_TEXT, bad;

    if (strlen(in) > max)
        return mm_error_set(
            ferr, MM_ERR_INVALID, NULL, 0, 0,
            "%s: %zu バイト以内にしてください (expected at most %zu bytes, got %zu)", f->name, max,
            max, strlen(in));
    if (mm_utf8_validate(in, strlen(in), &bad) != MM_OK)
        return mm_error_set(ferr, MM_ERR_PARSE, NULL, 0, 0,
                            "%s: UTF-8 ではありません (invalid UTF-8)", f->name);
    for (size_t i = 0; in[i]; i++) {
        if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) {
            long line, col;
            mm_text_linecol(in, i, &line, &col);
            return mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, col,
                                "%s: 改行や制御文字は使えません (expected one line of text "
                                "without control characters)",
                                f->name);
        }
    }
    *out = mm_text_normalize(in);
    return MM_OK;
}

static mm_rc conv_int(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    long n;
    char buf[32];

    for (size_t i = 0; in[i]; i++)
        if (!isdigit((unsigned char)in[i]) && !(i == 0 && in[i] == '-'))
            return MM_ERR_PARSE;
    if (mm_parse_long(in, f->min, f->max, &n) != MM_OK)
        return MM_ERR_INVALID;
    snprintf(buf, sizeof(buf), "%ld", n);
    *out = mm_xstrdup(buf);
    return MM_OK;
}

static const struct {
    const char *text;
    const char *value;
} bool_words[] = {
    {"yes", "1"}, {"y", "1"},    {"true", "1"},  {"1", "1"}, {"はい", "1"},
    {"有", "1"},  {"あり", "1"}, {"有り", "1"},  {"○", "1"}, {"◯", "1"},
    {"no", "0"},  {"n", "0"},    {"false", "0"}, {"0", "0"}, {"いいえ", "0"},
    {"無", "0"},  {"なし", "0"}, {"無し", "0"},  {"×", "0"},
};

static mm_rc conv_bool(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(bool_words); i++) {
        if (strcasecmp(in, bool_words[i].text) == 0) {
            *out = mm_xstrdup(bool_words[i].value);
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

/* Reads Y{4} sep M{1,2} sep D{1,2} (sep '-' or '/', the same twice) at s. Returns the bytes
 * used (0 when the shape is wrong) and writes "YYYY-MM-DD" with zero padding into iso. */
static size_t date_prefix(const char *s, char iso[11])
{
    size_t i = 0, k;
    int m = 0, d = 0;
    char sep;

    for (k = 0; k < 4; k++)
        if (!isdigit((unsigned char)s[k]))
            return 0;
    sep = s[4];
    if (sep != '-' && sep != '/')
        return 0;
    i = 5;
    for (k = 0; k < 2 && isdigit((unsigned char)s[i]); k++)
        m = m * 10 + (s[i++] - '0');
    if (k == 0 || s[i] != sep)
        return 0;
    i++;
    for (k = 0; k < 2 && isdigit((unsigned char)s[i]); k++)
        d = d * 10 + (s[i++] - '0');
    if (k == 0)
        return 0;
    snprintf(iso, 11, "%.4s-%02u-%02u", s, (unsigned)m % 100u, (unsigned)d % 100u);
    return i;
}

static mm_rc check_date(const mm_import_field *f, const char *iso, mm_date *out, mm_error *ferr)
{
    mm_error derr;

    if (mm_date_parse(iso, out, &derr) != MM_OK)
        return mm_error_set(ferr, derr.rc, NULL, 0, derr.col, "%s: %s", f->name, derr.msg);
    return MM_OK;
}

static mm_rc conv_date(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    char iso[11];
    mm_date d;
    size_t n = date_prefix(in, iso);
    mm_rc rc;

    if (n == 0 || in[n])
        return MM_ERR_PARSE;
    if ((rc = check_date(f, iso, &d, ferr)) != MM_OK)
        return rc;
    *out = mm_xstrdup(iso);
    return MM_OK;
}

/* Reads exactly n digits at s. */
static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

static mm_rc conv_datetime(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    char iso[11], buf[48];
    mm_date d;
    size_t i = date_prefix(in, iso);
    int hh = 0, mi = 0, ss = 0, off = 9 * 60, oh, om, sign;
    long mins;
    mm_rc rc;

    if (i == 0)
        return MM_ERR_PARSE;
    if ((rc = check_date(f, iso, &d, ferr)) != MM_OK)
        return rc;
    if (!in[i]) {
        *out = mm_xstrdup(iso);
        return MM_OK;
    }
    if (in[i] != 'T' && in[i] != 't' && in[i] != ' ')
        return MM_ERR_PARSE;
    i++;
    /* H or HH : MM [: SS [.fraction]] */
    if (!isdigit((unsigned char)in[i]))
        return MM_ERR_PARSE;
    hh = in[i++] - '0';
    if (isdigit((unsigned char)in[i]))
        hh = hh * 10 + (in[i++] - '0');
    if (in[i] != ':' || !digits(in + i + 1, 2, &mi))
        return MM_ERR_PARSE;
    i += 3;
    if (in[i] == ':') {
        if (!digits(in + i + 1, 2, &ss))
            return MM_ERR_PARSE;
        i += 3;
        if (in[i] == '.' || in[i] == ',') {
            i++;
            if (!isdigit((unsigned char)in[i]))
                return MM_ERR_PARSE;
            while (isdigit((unsigned char)in[i]))
                i++;
        }
    }
    if (hh > 23 || mi > 59 || ss > 60)
        return mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, 0,
                            "%s: 存在しない時刻です (expected a time from 00:00:00 to 23:59:59, "
                            "got \"%s\")",
                            f->name, in);
    if (ss == 60)
        ss = 59;
    if (in[i] == 'Z' || in[i] == 'z') {
        off = 0;
        i++;
    } else if (in[i] == '+' || in[i] == '-') {
        sign = in[i] == '-' ? -1 : 1;
        i++;
        if (!digits(in + i, 2, &oh))
            return MM_ERR_PARSE;
        i += 2;
        om = 0;
        if (in[i] == ':')
            i++;
        if (isdigit((unsigned char)in[i])) {
            if (!digits(in + i, 2, &om))
                return MM_ERR_PARSE;
            i += 2;
        }
        if (oh > 14 || om > 59)
            return MM_ERR_PARSE;
        off = sign * (oh * 60 + om);
    }
    if (in[i])
        return MM_ERR_PARSE;
    /* To UTC: minutes since the epoch minus the offset. */
    mins = mm_date_to_days(&d) * 1440L + hh * 60L + mi - off;
    {
        long days = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);
        long rest = mins - days * 1440;
        mm_date u = mm_date_from_days(days);
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", u.y % 10000, u.m % 100,
                 u.d % 100, (int)(rest / 60) % 100, (int)(rest % 60), ss % 100);
    }
    *out = mm_xstrdup(buf);
    return MM_OK;
}

/* The canonical value of an enum entry "canonical|alias|…" when s is one of its spellings. */
static int enum_match(const char *entry, const char *s, char *canon, size_t canonsz)
{
    const char *p = entry;
    size_t slen = strlen(s);
    const char *bar = strchr(entry, '|');
    size_t clen = bar ? (size_t)(bar - entry) : strlen(entry);

    if (clen >= canonsz)
        return 0;
    memcpy(canon, entry, clen);
    canon[clen] = '\0';
    while (*p) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == slen && strncasecmp(p, s, n) == 0)
            return 1;
        p += n;
        if (*p == '|')
            p++;
    }
    return 0;
}

static mm_rc conv_enum(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    char canon[64];
    mm_buf allowed;

    for (size_t i = 0; f->values && f->values[i]; i++) {
        if (enum_match(f->values[i], in, canon, sizeof(canon))) {
            *out = mm_xstrdup(canon);
            return MM_OK;
        }
    }
    mm_buf_init(&allowed, 4096);
    for (size_t i = 0; f->values && f->values[i]; i++) {
        const char *bar = strchr(f->values[i], '|');
        int n = bar ? (int)(bar - f->values[i]) : (int)strlen(f->values[i]);
        mm_buf_addf(&allowed, "%s%.*s", i ? ", " : "", n, f->values[i]);
    }
    mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, 0,
                 "%s: 次のいずれかです: %s (expected one of %s, got \"%.60s\")", f->name,
                 mm_buf_str(&allowed), mm_buf_str(&allowed), in);
    mm_buf_release(&allowed);
    return MM_ERR_INVALID;
}

/* Parses an IPv4 or IPv6 address (no zone). OUT: *family, addr (16 bytes). */
static int parse_ip(const char *s, int *family, unsigned char addr[16])
{
    if (strchr(s, ':')) {
        *family = AF_INET6;
        return inet_pton(AF_INET6, s, addr) == 1;
    }
    *family = AF_INET;
    return inet_pton(AF_INET, s, addr) == 1;
}

static mm_rc conv_ip(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    int fam;

    if (strlen(in) >= INET6_ADDRSTRLEN || !parse_ip(in, &fam, a) ||
        !inet_ntop(fam, a, text, sizeof(text)))
        return MM_ERR_INVALID;
    *out = mm_xstrdup(text);
    return MM_OK;
}

static mm_rc conv_cidr(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    char addr[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN + 8];
    unsigned char a[16];
    const char *slash = strchr(in, '/');
    size_t alen = slash ? (size_t)(slash - in) : strlen(in);
    long prefix = -1, bits;
    int fam;

    if (alen == 0 || alen >= sizeof(addr))
        return MM_ERR_INVALID;
    memcpy(addr, in, alen);
    addr[alen] = '\0';
    if (!parse_ip(addr, &fam, a))
        return MM_ERR_INVALID;
    bits = fam == AF_INET ? 32 : 128;
    if (slash) {
        const char *p = slash + 1;
        long line, col;
        if (!*p || strlen(p) > 3)
            prefix = -1;
        else
            for (prefix = 0; *p; p++) {
                if (!isdigit((unsigned char)*p)) {
                    prefix = -1;
                    break;
                }
                prefix = prefix * 10 + (*p - '0');
            }
        if (prefix < 0 || prefix > bits) {
            mm_text_linecol(in, alen + 1, &line, &col);
            return mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, col,
                                "%s: プレフィックス長は 0〜%ld です (expected a prefix length from "
                                "0 to %ld, got \"%.60s\")",
                                f->name, bits, bits, in);
        }
    } else {
        prefix = bits;
    }
    for (long b = prefix; b < bits; b++) {
        if (a[b / 8] & (0x80 >> (b % 8))) {
            char net[INET6_ADDRSTRLEN];
            for (long c = prefix; c < bits; c++)
                a[c / 8] &= (unsigned char)~(0x80 >> (c % 8));
            inet_ntop(fam, a, net, sizeof(net));
            return mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, 0,
                                "%s: ホスト部が 0 ではありません。%s/%ld のことですか (expected a "
                                "network address with no host bits set, got \"%.60s\"; did you "
                                "mean %s/%ld?)",
                                f->name, net, prefix, in, net, prefix);
        }
    }
    inet_ntop(fam, a, addr, sizeof(addr));
    snprintf(text, sizeof(text), "%s/%ld", addr, prefix);
    *out = mm_xstrdup(text);
    return MM_OK;
}

static mm_rc conv_cve(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    size_t n = strlen(in), i;
    char *s;

    if (n < 13 || n > 20 || strncasecmp(in, "CVE-", 4) != 0 || in[8] != '-')
        return MM_ERR_INVALID;
    for (i = 4; i < n; i++)
        if (i != 8 && !isdigit((unsigned char)in[i]))
            return MM_ERR_INVALID;
    s = mm_xstrdup(in);
    s[0] = 'C';
    s[1] = 'V';
    s[2] = 'E';
    *out = s;
    return MM_OK;
}

static mm_rc conv_range(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    mm_error rerr;

    if (strlen(in) > MM_IMPORT_MAX_TEXT)
        return MM_ERR_INVALID;
    if (mm_version_range_check(in, &rerr) != MM_OK)
        return mm_error_set(ferr, rerr.rc, NULL, 0, rerr.col, "%s: %s (got \"%.80s\")", f->name,
                            rerr.msg, in);
    *out = mm_xstrdup(in);
    return MM_OK;
}

static mm_rc conv_vendor(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    static const mm_import_field name = {.name = "vendor", .maxlen = 200};
    mm_rc rc = conv_text(&name, in, out, ferr);

    if (rc != MM_OK && ferr->msg[0])
        mm_error_set(ferr, rc, NULL, 0, ferr->col,
                     "%s: 事業者名は 200 バイト以内の1行です "
                     "(expected a one-line vendor name of at most 200 bytes)",
                     f->name);
    return rc;
}

/* One row per type, in mm_field_type order. */
static const struct {
    mm_field_type type;
    convert_fn conv;
    const char *expect_ja;
    const char *expect_en;
} converters[] = {
    {MM_FT_TEXT, conv_text, "文字列", "text"},
    {MM_FT_INT, conv_int, "整数", "an integer"},
    {MM_FT_BOOL, conv_bool, "はい/いいえ (yes/no, true/false, 1/0, 有/無)",
     "yes or no (はい/いいえ, true/false, 1/0, 有/無)"},
    {MM_FT_DATE, conv_date, "YYYY-MM-DD か YYYY/MM/DD の日付", "a date YYYY-MM-DD or YYYY/MM/DD"},
    {MM_FT_DATETIME, conv_datetime, "ISO-8601 の日時 (2025-11-20T09:00:00+09:00)",
     "an ISO-8601 date and time such as 2025-11-20T09:00:00+09:00"},
    {MM_FT_ENUM, conv_enum, "決められた値", "one of the allowed values"},
    {MM_FT_IP, conv_ip, "IPv4/IPv6 アドレスが必要です", "an IPv4/IPv6 address"},
    {MM_FT_CIDR, conv_cidr, "CIDR (192.168.1.0/24, 2001:db8::/32) が必要です",
     "a CIDR prefix such as 192.168.1.0/24 or 2001:db8::/32"},
    {MM_FT_CVE, conv_cve, "CVE-2018-13379 の形の CVE 番号", "a CVE id such as CVE-2018-13379"},
    {MM_FT_RANGE, conv_range, "版の範囲式 (>=6.0.0 <6.0.5 || …)",
     "a version range such as >=6.0.0 <6.0.5 || >=5.6.3 <5.6.8"},
    {MM_FT_VENDOR, conv_vendor, "事業者名", "a vendor name"},
};

mm_rc mm_import_convert(const mm_import_field *f, const char *in, char **out, mm_error *ferr)
{
    mm_rc rc;

    *out = NULL;
    mm_error_clear(ferr);
    if ((size_t)f->type >= MM_ARRAY_LEN(converters) || converters[f->type].type != f->type)
        return mm_error_set(ferr, MM_ERR_INVALID, NULL, 0, 0, "%s: internal: bad field type",
                            f->name);
    rc = converters[f->type].conv(f, in, out, ferr);
    if (rc == MM_OK)
        return MM_OK;
    if (!ferr->msg[0]) {
        if (f->type == MM_FT_INT)
            mm_error_set(ferr, rc, NULL, 0, 0,
                         "%s: %ld〜%ld の整数が必要です (expected an integer from %ld to %ld, got "
                         "\"%.60s\")",
                         f->name, f->min, f->max, f->min, f->max, in);
        else
            mm_error_set(ferr, rc, NULL, 0, 0, "%s: %s (expected %s, got \"%.60s\")", f->name,
                         converters[f->type].expect_ja, converters[f->type].expect_en, in);
    }
    ferr->rc = rc;
    return rc;
}

/* Bytes of the white space character at s (ASCII space/tab or U+3000), 0 when none. */
static size_t space_at(const char *s)
{
    if (*s == ' ' || *s == '\t')
        return 1;
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    return 0;
}

long mm_import_trim(char *s)
{
    size_t i = 0, n, len;
    long chars = 0;

    while ((n = space_at(s + i)) > 0) {
        i += n;
        chars++;
    }
    len = strlen(s + i);
    memmove(s, s + i, len + 1);
    for (;;) {
        if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        else if (len >= 3 && space_at(s + len - 3) == 3)
            len -= 3;
        else
            break;
        s[len] = '\0';
    }
    return chars;
}
