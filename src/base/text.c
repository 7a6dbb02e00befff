/*
 * UTF-8 decoding and validation, CP932 conversion through iconv, and the look-alike
 * character check and normalisation.
 */
#include <errno.h>
#include <iconv.h>

#include "text.h"
#include "text_int.h"

int mm_utf8_next(const char *str, size_t len, size_t *i, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t p = *i;
    uint32_t c;
    int n;

    if (p >= len)
        return 0;
    c = s[p];
    if (c < 0x80) {
        *cp = c;
        *i = p + 1;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len - p <= (size_t)n) /* truncated sequence */
        return 0;
    for (int k = 1; k <= n; k++) {
        if ((s[p + k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[p + k] & 0x3F);
    }
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    *i = p + (size_t)n + 1;
    return 1;
}

mm_rc mm_utf8_validate(const char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        if (!mm_utf8_next(s, len, &i, &cp)) {
            if (bad)
                *bad = i;
            return MM_ERR_PARSE;
        }
    }
    return MM_OK;
}

void mm_text_linecol(const char *s, size_t off, long *line, long *col)
{
    long l = 1, c = 1;
    size_t i = 0;

    while (i < off && s[i]) {
        unsigned char b = (unsigned char)s[i];
        if (b == '\n') {
            l++;
            c = 1;
        } else if ((b & 0xC0) != 0x80) {
            c++;
        }
        i++;
    }
    *line = l;
    *col = c;
}

int mm_text_is_lookalike(uint32_t cp, uint32_t *standard)
{
    size_t lo = 0, hi = mm_lookalikes_len;

    *standard = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm_lookalikes[mid].from == cp) {
            *standard = mm_lookalikes[mid].to;
            return 1;
        }
        if (mm_lookalikes[mid].from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Radicals without an NFKC mapping are still not text a checklist should hold. */
    return cp >= 0x2E80 && cp <= 0x2FDF;
}

int mm_text_find_lookalike(const char *s, size_t *off, uint32_t *cp, uint32_t *standard)
{
    size_t len = strlen(s), i = 0;

    while (i < len) {
        size_t start = i;
        uint32_t c;
        if (!mm_utf8_next(s, len, &i, &c)) {
            i = start + 1;
            continue;
        }
        if (c >= 0x2E80 && mm_text_is_lookalike(c, standard)) {
            *off = start;
            *cp = c;
            return 1;
        }
    }
    return 0;
}

void mm_utf8_put(uint32_t cp, char out[5])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = 0;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = 0;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        out[3] = 0;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        out[4] = 0;
    }
}

char *mm_text_normalize(const char *s)
{
    size_t len = strlen(s), i = 0, o = 0;
    /* A standard ideograph is never longer in UTF-8 than its look-alike (both 3 bytes). */
    char *out = mm_xmalloc(len + 1);

    while (i < len) {
        size_t start = i;
        uint32_t c, std;
        if (mm_utf8_next(s, len, &i, &c) && c >= 0x2E80 && mm_text_is_lookalike(c, &std) && std) {
            char enc[5];
            mm_utf8_put(std, enc);
            size_t n = strlen(enc);
            if (n <= i - start) {
                memcpy(out + o, enc, n);
                o += n;
                continue;
            }
        }
        if (i == start)
            i = start + 1;
        memcpy(out + o, s + start, i - start);
        o += i - start;
    }
    out[o] = '\0';
    return out;
}

mm_encoding mm_text_detect(const char *s, size_t len)
{
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        return MM_ENC_UTF8;
    return mm_utf8_validate(s, len, NULL) == MM_OK ? MM_ENC_UTF8 : MM_ENC_CP932;
}

/* Runs iconv over the whole input. On failure returns the input offset of the bad byte. */
static mm_rc convert(const char *to, const char *from, const char *in, size_t len, char **out,
                     size_t *outlen, size_t *bad)
{
    iconv_t cd = iconv_open(to, from);
    size_t cap = len * 2 + 16, used = 0;
    char *buf = NULL, *ip = (char *)in;
    size_t ileft = len;
    mm_rc rc = MM_OK;

    if (cd == (iconv_t)-1)
        return MM_ERR_IO;
    buf = mm_xmalloc(cap + 1);
    while (ileft > 0) {
        char *op = buf + used;
        size_t oleft = cap - used;
        size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
        used = (size_t)(op - buf);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            cap *= 2;
            buf = mm_xrealloc(buf, cap + 1);
            continue;
        }
        /* EILSEQ or EINVAL (truncated sequence at the end) */
        *bad = (size_t)(ip - in);
        rc = MM_ERR_PARSE;
        break;
    }
    iconv_close(cd);
    if (rc != MM_OK) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    return MM_OK;
}

/* Line and column in a CP932 byte string: count lead bytes as one character. */
static void cp932_linecol(const char *s, size_t off, long *line, long *col)
{
    long l = 1, c = 1;

    for (size_t i = 0; i < off; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b == '\n') {
            l++;
            c = 1;
            continue;
        }
        if ((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC))
            i++; /* lead byte: skip its trail byte */
        c++;
    }
    *line = l;
    *col = c;
}

mm_rc mm_text_to_utf8(const char *in, size_t len, mm_encoding enc, char **out, size_t *outlen,
                      mm_error *err)
{
    size_t bad = 0;
    long line, col;

    if (enc == MM_ENC_UTF8) {
        if (len >= 3 && (unsigned char)in[0] == 0xEF && (unsigned char)in[1] == 0xBB &&
            (unsigned char)in[2] == 0xBF) {
            in += 3;
            len -= 3;
        }
        if (mm_utf8_validate(in, len, &bad) != MM_OK) {
            mm_text_linecol(in, bad, &line, &col);
            return mm_error_set(err, MM_ERR_PARSE, NULL, line, col,
                                "UTF-8 として不正なバイト列です (invalid UTF-8 byte 0x%02X)",
                                (unsigned char)in[bad]);
        }
        *out = mm_xmalloc(len + 1);
        memcpy(*out, in, len);
        (*out)[len] = '\0';
        *outlen = len;
        return MM_OK;
    }
    if (convert("UTF-8", "CP932", in, len, out, outlen, &bad) != MM_OK) {
        cp932_linecol(in, bad, &line, &col);
        return mm_error_set(err, MM_ERR_PARSE, NULL, line, col,
                            "CP932 (Shift_JIS) として不正なバイト列です (invalid CP932 byte "
                            "sequence starting 0x%02X)",
                            (unsigned char)in[bad]);
    }
    return MM_OK;
}

mm_rc mm_text_utf8_to_cp932(const char *in, size_t len, char **out, size_t *outlen, mm_error *err)
{
    size_t bad = 0;
    long line, col;

    if (convert("CP932", "UTF-8", in, len, out, outlen, &bad) != MM_OK) {
        size_t i = bad;
        uint32_t cp = 0;
        mm_utf8_next(in, len, &i, &cp);
        mm_text_linecol(in, bad, &line, &col);
        return mm_error_set(err, MM_ERR_INVALID, NULL, line, col,
                            "CP932 で表せない文字があります: U+%04X (character U+%04X cannot be "
                            "written in CP932; use --encoding utf8)",
                            cp, cp);
    }
    return MM_OK;
}
