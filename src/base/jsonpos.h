/*
 * Finds where a value sits in JSON text, so an error about a well-formed but wrong value
 * ("items[3].scopes[1]: unknown scope") can name its line and column. jansson parses; this
 * only walks the text again to locate a path, on the error path only.
 */
#ifndef MM_JSONPOS_H
#define MM_JSONPOS_H

#include "base.h"

typedef struct mm_jpath {
    const char *key; /* object member name, or NULL for an array index */
    long index;      /* array index when key is NULL */
} mm_jpath;

/*
 * Byte offset of the value at path (n segments) in text, or of the nearest enclosing value
 * that exists. Returns 1 when the whole path was found, 0 when only a prefix was.
 * OUT: *off.
 */
int mm_json_locate(const char *text, size_t len, const mm_jpath *path, size_t n, size_t *off);

/* Convenience: line and column (1-based, characters) of the path in text. */
void mm_json_linecol(const char *text, size_t len, const mm_jpath *path, size_t n, long *line,
                     long *col);

#endif
