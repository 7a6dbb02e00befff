/*
 * The bounded growable buffer and its escaping appenders (HTML, CSV, JSON strings).
 */
#include "buf.h"
#include "text.h"

void mm_buf_init(mm_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : MM_BUF_DEFAULT_MAX;
}

void mm_buf_release(mm_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mm_buf_reset(mm_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

mm_rc mm_buf_reserve(mm_buf *b, size_t extra)
{
    size_t need, cap;

    if (extra > b->max || b->len > b->max - extra)
        return MM_ERR_INVALID;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return MM_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    b->data = mm_xrealloc(b->data, cap);
    b->cap = cap;
    return MM_OK;
}

mm_rc mm_buf_add(mm_buf *b, const void *data, size_t len)
{
    if (mm_buf_reserve(b, len) != MM_OK)
        return MM_ERR_INVALID;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MM_OK;
}

mm_rc mm_buf_adds(mm_buf *b, const char *s)
{
    return mm_buf_add(b, s, strlen(s));
}

mm_rc mm_buf_addc(mm_buf *b, char c)
{
    return mm_buf_add(b, &c, 1);
}

mm_rc mm_buf_vaddf(mm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || mm_buf_reserve(b, (size_t)n) != MM_OK)
        return MM_ERR_INVALID;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return MM_OK;
}

mm_rc mm_buf_addf(mm_buf *b, const char *fmt, ...)
{
    va_list ap;
    mm_rc rc;

    va_start(ap, fmt);
    rc = mm_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *mm_buf_str(const mm_buf *b)
{
    return b->data ? b->data : "";
}

char *mm_buf_detach(mm_buf *b, size_t *len)
{
    char *p;

    if (!b->data)
        mm_buf_reserve(b, 0);
    if (!b->data) {
        b->data = mm_xmalloc(1);
        b->cap = 1;
    }
    b->data[b->len] = '\0';
    p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

mm_rc mm_buf_add_html(mm_buf *b, const char *s)
{
    mm_rc rc = MM_OK;

    for (; *s && rc == MM_OK; s++) {
        switch (*s) {
        case '&': rc = mm_buf_adds(b, "&amp;"); break;
        case '<': rc = mm_buf_adds(b, "&lt;"); break;
        case '>': rc = mm_buf_adds(b, "&gt;"); break;
        case '"': rc = mm_buf_adds(b, "&quot;"); break;
        case '\'': rc = mm_buf_adds(b, "&#39;"); break;
        default: rc = mm_buf_addc(b, *s); break;
        }
    }
    return rc;
}

mm_rc mm_buf_add_csv(mm_buf *b, const char *s)
{
    mm_rc rc;

    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t')
        return mm_buf_adds(b, s);
    rc = mm_buf_addc(b, '"');
    for (; *s && rc == MM_OK; s++) {
        if (*s == '"')
            rc = mm_buf_addc(b, '"');
        if (rc == MM_OK)
            rc = mm_buf_addc(b, *s);
    }
    if (rc == MM_OK)
        rc = mm_buf_addc(b, '"');
    return rc;
}

mm_rc mm_buf_add_json_str(mm_buf *b, const char *s)
{
    mm_rc rc = mm_buf_addc(b, '"');

    for (; *s && rc == MM_OK; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': rc = mm_buf_adds(b, "\\\""); break;
        case '\\': rc = mm_buf_adds(b, "\\\\"); break;
        case '\n': rc = mm_buf_adds(b, "\\n"); break;
        case '\r': rc = mm_buf_adds(b, "\\r"); break;
        case '\t': rc = mm_buf_adds(b, "\\t"); break;
        default:
            if (c < 0x20) {
                rc = mm_buf_addf(b, "\\u%04x", c);
            } else if (c < 0x80) {
                rc = mm_buf_addc(b, (char)c);
            } else {
                /* a valid sequence as it is; an invalid byte (a log line in Shift_JIS, garbage)
                 * becomes U+FFFD so the output stays valid JSON */
                size_t len = strnlen(s, 4), i = 0;
                uint32_t cp;
                if (mm_utf8_next(s, len, &i, &cp)) {
                    rc = mm_buf_add(b, s, i);
                    s += i - 1;
                } else {
                    rc = mm_buf_adds(b, "\\ufffd");
                }
            }
        }
    }
    if (rc == MM_OK)
        rc = mm_buf_addc(b, '"');
    return rc;
}
