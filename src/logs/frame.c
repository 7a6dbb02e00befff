/*
 * Line framing for files and syslog streams: newline-terminated messages and RFC 6587 octet
 * counting, as a resumable state machine. Whole messages inside the fed bytes are handed out
 * without copying; only a message split across feeds is gathered in a bounded carry buffer.
 */
#include "logs.h"

void mm_framer_init(mm_framer *f, mm_frame_mode mode, size_t max)
{
    memset(f, 0, sizeof(*f));
    f->mode = mode;
    f->max = max ? max : MM_LOG_MAX_MSG_DEFAULT;
}

void mm_framer_release(mm_framer *f)
{
    free(f->carry);
    f->carry = NULL;
    f->carry_len = 0;
}

void mm_framer_feed(mm_framer *f, const char *data, size_t len)
{
    f->data = data;
    f->len = len;
    f->pos = 0;
}

/* Appends to the carry, up to max; returns 1 when bytes had to be cut. */
static int carry_add(mm_framer *f, const char *p, size_t n)
{
    size_t room;
    if (!f->carry)
        f->carry = mm_xmalloc(f->max);
    room = f->max - f->carry_len;
    if (n > room) {
        memcpy(f->carry + f->carry_len, p, room);
        f->carry_len += room;
        return 1;
    }
    memcpy(f->carry + f->carry_len, p, n);
    f->carry_len += n;
    return 0;
}

static size_t strip_cr(const char *p, size_t n)
{
    return n && p[n - 1] == '\r' ? n - 1 : n;
}

static mm_rc next_line(mm_framer *f, const char **msg, size_t *len, int *truncated)
{
    while (f->pos < f->len) {
        const char *start = f->data + f->pos;
        size_t avail = f->len - f->pos;
        const char *nl = memchr(start, '\n', avail);
        size_t n = nl ? (size_t)(nl - start) : avail;

        if (f->skipping) { /* the rest of an over-long line */
            f->pos += nl ? n + 1 : n;
            if (nl) {
                f->skipping = 0;
                *msg = f->carry;
                *len = strip_cr(f->carry, f->carry_len);
                f->carry_len = 0;
                *truncated = 1;
                f->truncated++;
                return MM_OK;
            }
            continue;
        }
        if (!nl) { /* unfinished: keep it for the next feed */
            if (carry_add(f, start, n))
                f->skipping = 1;
            f->pos = f->len;
            return MM_AGAIN;
        }
        f->pos += n + 1;
        if (f->carry_len) {
            int cut = carry_add(f, start, n);
            *msg = f->carry;
            *len = strip_cr(f->carry, f->carry_len);
            f->carry_len = 0;
            *truncated = cut;
            f->truncated += (uint64_t)cut;
            return MM_OK;
        }
        if (n > f->max) {
            *msg = start;
            *len = f->max;
            *truncated = 1;
            f->truncated++;
            return MM_OK;
        }
        *msg = start;
        *len = strip_cr(start, n);
        *truncated = 0;
        return MM_OK;
    }
    return MM_AGAIN;
}

/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, MSG-LEN without leading zero, at most 10 digits. */
static mm_rc next_octet(mm_framer *f, const char **msg, size_t *len, int *truncated)
{
    while (f->pos < f->len) {
        if (f->state == 0) {
            char c = f->data[f->pos];
            if (c >= '0' && c <= '9' && f->lendigits < 10 && !(f->lendigits == 0 && c == '0')) {
                f->lenval = f->lenval * 10 + (size_t)(c - '0');
                f->lendigits++;
                f->pos++;
                continue;
            }
            if (c == ' ' && f->lendigits > 0) {
                f->pos++;
                f->state = 1;
                f->want = f->lenval;
                f->lenval = 0;
                f->lendigits = 0;
                f->carry_len = 0;
                f->skipping = 0;
                if (f->want == 0) {
                    f->state = 0;
                    continue;
                }
                continue;
            }
            if (f->mode == MM_FRAME_AUTO && f->pos >= (size_t)f->lendigits) {
                /* digits not followed by a space: a plain line that starts with a digit */
                f->pos -= (size_t)f->lendigits;
                f->lenval = 0;
                f->lendigits = 0;
                f->octet = 0;
                return next_line(f, msg, len, truncated);
            }
            /* A bad length: count it and resynchronise at the next LF. */
            f->bad_frames++;
            f->lenval = 0;
            f->lendigits = 0;
            {
                const char *nl = memchr(f->data + f->pos, '\n', f->len - f->pos);
                f->pos = nl ? (size_t)(nl - f->data) + 1 : f->len;
            }
            continue;
        }
        /* body */
        {
            size_t avail = f->len - f->pos;
            size_t take = avail < f->want ? avail : f->want;
            const char *p = f->data + f->pos;
            if (take == f->want && f->carry_len == 0 && !f->skipping) {
                f->pos += take;
                f->state = 0;
                f->want = 0;
                *msg = p;
                *len = take > f->max ? f->max : take;
                *truncated = take > f->max;
                f->truncated += (uint64_t)(take > f->max);
                return MM_OK;
            }
            if (carry_add(f, p, take))
                f->skipping = 1;
            f->pos += take;
            f->want -= take;
            if (f->want == 0) {
                f->state = 0;
                *msg = f->carry;
                *len = f->carry_len;
                *truncated = f->skipping;
                f->truncated += (uint64_t)f->skipping;
                f->carry_len = 0;
                f->skipping = 0;
                return MM_OK;
            }
        }
    }
    return MM_AGAIN;
}

mm_rc mm_framer_next(mm_framer *f, const char **msg, size_t *len, int *truncated)
{
    mm_rc rc;

    if (f->mode == MM_FRAME_LINES)
        return next_line(f, msg, len, truncated);
    if (f->mode == MM_FRAME_OCTET)
        return next_octet(f, msg, len, truncated);
    /* AUTO: decide per frame at its first byte. */
    if (f->pos >= f->len)
        return MM_AGAIN;
    if (!f->octet && f->carry_len == 0 && !f->skipping && f->state == 0 && f->lendigits == 0) {
        char c = f->data[f->pos];
        f->octet = c >= '1' && c <= '9';
    }
    if (!f->octet)
        return next_line(f, msg, len, truncated);
    rc = next_octet(f, msg, len, truncated);
    if (rc == MM_OK)
        f->octet = 0;
    return rc;
}

mm_rc mm_framer_finish(mm_framer *f, const char **msg, size_t *len, int *truncated)
{
    if (f->carry_len == 0 && !f->skipping)
        return MM_AGAIN;
    if (f->state == 1) /* an octet-counted frame that never completed */
        f->bad_frames++;
    *msg = f->carry;
    *len = f->mode == MM_FRAME_OCTET || f->state == 1 ? f->carry_len
                                                      : strip_cr(f->carry, f->carry_len);
    *truncated = f->skipping;
    f->truncated += (uint64_t)f->skipping;
    f->carry_len = 0;
    f->skipping = 0;
    f->state = 0;
    return MM_OK;
}
