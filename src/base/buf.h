/*
 * mm_buf: a growable byte buffer with a hard maximum size (curl's dynbuf habit). Every text
 * Mamori builds — report cells, JSON, SQL-free messages — goes through one, so nothing grows
 * without bound and every append reports when the limit is hit.
 *
 * Ownership: the caller owns the mm_buf struct (mm_buf_init/mm_buf_release); the buffer owns
 * its bytes. mm_buf_detach hands the bytes to the caller, who frees them with free().
 */
#ifndef MM_BUF_H
#define MM_BUF_H

#include "base.h"

typedef struct mm_buf {
    char *data; /* always NUL-terminated when len > 0 or after any append */
    size_t len; /* bytes used, without the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* the most len may ever reach */
} mm_buf;

#define MM_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

void mm_buf_init(mm_buf *b, size_t max);
void mm_buf_release(mm_buf *b);
void mm_buf_reset(mm_buf *b);

/* Makes room for extra more bytes and the NUL; MM_ERR_INVALID beyond max (nothing changes). */
mm_rc mm_buf_reserve(mm_buf *b, size_t extra);
/* Appends; MM_ERR_INVALID when the result would exceed max (the buffer is left unchanged). */
mm_rc mm_buf_add(mm_buf *b, const void *data, size_t len);
mm_rc mm_buf_adds(mm_buf *b, const char *s);
mm_rc mm_buf_addc(mm_buf *b, char c);
mm_rc mm_buf_addf(mm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
mm_rc mm_buf_vaddf(mm_buf *b, const char *fmt, va_list ap);

/* The contents as a C string ("" when empty); valid until the next change. */
const char *mm_buf_str(const mm_buf *b);

/* Hands the bytes over (caller frees) and leaves the buffer empty. Never NULL. */
char *mm_buf_detach(mm_buf *b, size_t *len);

/* Escaping appenders for the output formats. */
mm_rc mm_buf_add_html(mm_buf *b, const char *s); /* & < > " ' */
mm_rc mm_buf_add_csv(mm_buf *b, const char *s);  /* quoted when needed, "" doubled */
mm_rc mm_buf_add_json_str(
    mm_buf *b, const char *s); /* with the surrounding quotes; invalid UTF-8 bytes become \ufffd */

#endif
