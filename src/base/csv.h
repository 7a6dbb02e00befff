/*
 * A CSV reader (RFC 4180 plus what Excel writes: CRLF or LF, quoted fields with doubled
 * quotes and embedded newlines) that remembers where each field started, so every importer
 * can say "file:line:column: field X: expected …". Input is UTF-8 text (convert CP932 first
 * with mm_text_to_utf8). Bounded: a field longer than MM_CSV_MAX_FIELD or a record with more
 * than MM_CSV_MAX_FIELDS fields is an error, not an allocation spiral.
 *
 * Ownership: the reader borrows the text; fields point into the reader's own buffer and are
 * valid until the next mm_csv_next call.
 */
#ifndef MM_CSV_H
#define MM_CSV_H

#include "base.h"
#include "buf.h"

#define MM_CSV_MAX_FIELD (64 * 1024)
#define MM_CSV_MAX_FIELDS 256

typedef struct mm_csv_field {
    const char *text; /* NUL-terminated, unquoted */
    long line;        /* where the field starts, 1-based */
    long col;         /* in characters, 1-based */
} mm_csv_field;

typedef struct mm_csv {
    const char *name; /* file name for errors */
    const char *s;
    size_t len;
    size_t pos;
    long line, col; /* position of s[pos] */
    mm_buf store;   /* the current record's unquoted fields, NUL-separated */
    size_t offs[MM_CSV_MAX_FIELDS];
    mm_csv_field fields[MM_CSV_MAX_FIELDS];
    size_t nfields;
    long record_line; /* line the current record starts on */
} mm_csv;

void mm_csv_init(mm_csv *c, const char *name, const char *text, size_t len);
void mm_csv_release(mm_csv *c);

/* Reads the next record. Returns MM_OK with c->nfields set, MM_ERR_NOTFOUND at the end, or
 * MM_ERR_PARSE (unterminated quote, text after a closing quote, too long) with err filled.
 * Blank lines are skipped. */
mm_rc mm_csv_next(mm_csv *c, mm_error *err);

#endif
