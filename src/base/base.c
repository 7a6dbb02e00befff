/*
 * Error codes, error detail formatting, and the small string and number helpers that stand
 * in for the banned libc calls. Everything else in Mamori builds on these.
 */
#include <errno.h>
#include <limits.h>

#include "base.h"

const char *mm_rc_str(mm_rc rc)
{
    switch (rc) {
    case MM_OK: return "ok";
    case MM_ERR_NOMEM: return "out of memory";
    case MM_ERR_IO: return "input/output error";
    case MM_ERR_PARSE: return "parse error";
    case MM_ERR_INVALID: return "invalid input";
    case MM_ERR_NOTFOUND: return "not found";
    case MM_ERR_DENIED: return "denied";
    case MM_ERR_EXISTS: return "already exists";
    case MM_ERR_TAMPER: return "integrity check failed";
    case MM_ERR_USAGE: return "usage error";
    case MM_AGAIN: return "need more input";
    }
    return "unknown error";
}

void mm_error_clear(mm_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

mm_rc mm_error_set(mm_error *err, mm_rc rc, const char *file, long line, long col, const char *fmt,
                   ...)
{
    va_list ap;

    if (!err)
        return rc;
    err->rc = rc;
    mm_strlcpy(err->file, file ? file : "", sizeof(err->file));
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return rc;
}

void mm_error_format(const mm_error *err, char *out, size_t outsz)
{
    size_t n = 0;

    if (!outsz)
        return;
    out[0] = '\0';
    if (err->file[0]) {
        if (err->line > 0 && err->col > 0)
            n = (size_t)snprintf(out, outsz, "%s:%ld:%ld: ", err->file, err->line, err->col);
        else if (err->line > 0)
            n = (size_t)snprintf(out, outsz, "%s:%ld: ", err->file, err->line);
        else
            n = (size_t)snprintf(out, outsz, "%s: ", err->file);
    }
    if (n < outsz)
        snprintf(out + n, outsz - n, "%s", err->msg[0] ? err->msg : mm_rc_str(err->rc));
}

mm_rc mm_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    if (!s || !*s)
        return MM_ERR_PARSE;
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
        return MM_ERR_PARSE;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return MM_ERR_PARSE;
    if (errno == ERANGE || v < min || v > max)
        return MM_ERR_INVALID;
    *out = v;
    return MM_OK;
}

size_t mm_strlcpy(char *dst, const char *src, size_t dstsz)
{
    size_t n;

    if (!dstsz)
        return 0;
    n = strlen(src);
    if (n >= dstsz) {
        n = dstsz - 1;
        /* Back up over UTF-8 continuation bytes so a character is never cut. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

mm_rc mm_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, dstsz, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= dstsz)
        return MM_ERR_INVALID;
    return MM_OK;
}

int mm_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void oom(size_t n)
{
    fprintf(stderr, "mamori: out of memory (%zu bytes)\n", n);
    abort();
}

void *mm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *mm_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *mm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *mm_xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = mm_xmalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}
