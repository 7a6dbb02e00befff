/*
 * Shared foundation of every Mamori module: the one error type (mm_rc), the error
 * detail record (mm_error) that carries file, line, column and a readable message up to
 * the CLI and the API, and small parsing helpers that replace the banned libc calls.
 *
 * Ownership rule for this header: nothing here allocates; callers own every buffer.
 */
#ifndef MM_BASE_H
#define MM_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    MM_OK = 0,
    MM_ERR_NOMEM,    /* allocation failed */
    MM_ERR_IO,       /* a file or the store could not be read or written */
    MM_ERR_PARSE,    /* input is not in the expected syntax */
    MM_ERR_INVALID,  /* input is well-formed but not acceptable */
    MM_ERR_NOTFOUND, /* a named thing does not exist */
    MM_ERR_DENIED,   /* not allowed */
    MM_ERR_EXISTS,   /* would overwrite something that exists */
    MM_ERR_TAMPER,   /* an integrity check failed */
    MM_ERR_USAGE,    /* the command line is wrong */
    MM_AGAIN,        /* need more input */
} mm_rc;

/* A short English name of the code ("invalid input"); never NULL. */
const char *mm_rc_str(mm_rc rc);

/*
 * Error detail. `file` is the input file the problem is in (may be empty), `line` and `col`
 * are 1-based (0 = unknown). `msg` is a complete sentence, Japanese first where the user
 * reads it. A function that fails fills it when the caller passes a non-NULL pointer.
 */
typedef struct mm_error {
    mm_rc rc;
    char file[512];
    long line;
    long col;
    char msg[1024];
} mm_error;

void mm_error_clear(mm_error *err);

/* Sets rc, position and message; returns rc so callers can write `return mm_error_set(...)`. */
mm_rc mm_error_set(mm_error *err, mm_rc rc, const char *file, long line, long col, const char *fmt,
                   ...) __attribute__((format(printf, 6, 7)));

/* Formats "file:line:col: message" (parts that are unknown are left out) into out. */
void mm_error_format(const mm_error *err, char *out, size_t outsz);

/*
 * Parsing helpers. Each parses the whole string (no trailing garbage) and returns MM_OK or
 * MM_ERR_PARSE / MM_ERR_INVALID (out of range). OUT: *out, untouched on failure.
 */
mm_rc mm_parse_long(const char *s, long min, long max, long *out);

/* Copies at most dstsz-1 bytes and always terminates; returns the length copied. Never cuts a
 * UTF-8 sequence in half. */
size_t mm_strlcpy(char *dst, const char *src, size_t dstsz);

/* snprintf that never fails silently: returns MM_ERR_INVALID if the output was truncated. */
mm_rc mm_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Case-sensitive string equality that accepts NULL. */
int mm_streq(const char *a, const char *b);

/* Allocation wrappers: abort with a message on out-of-memory (the CLI cannot go on). */
void *mm_xmalloc(size_t n);
void *mm_xcalloc(size_t n, size_t size);
void *mm_xrealloc(void *p, size_t n);
char *mm_xstrdup(const char *s);

#define MM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Last, after the libc headers above: make the unsafe calls compile errors. */
#include "banned.h"

#endif
