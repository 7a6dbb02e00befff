/*
 * Text in the encodings Japanese hospitals hand us: UTF-8 (with or without a BOM) and CP932
 * (Shift_JIS as Windows and Excel write it), converted with iconv; plus the look-alike
 * characters that PDF extraction leaves in Japanese text (Kangxi radicals such as ⽤ U+2F64
 * for 用) and their standard forms (their NFKC mapping).
 *
 * Ownership: functions that return char * allocate with malloc; the caller frees.
 */
#ifndef MM_TEXT_H
#define MM_TEXT_H

#include "base.h"

/* Decodes one UTF-8 sequence at s[*i] (strict: no overlongs, no surrogates). On success stores
 * the code point, advances *i and returns 1; returns 0 on an invalid sequence. */
int mm_utf8_next(const char *s, size_t len, size_t *i, uint32_t *cp);

/* MM_OK when s[0..len) is valid UTF-8, else MM_ERR_PARSE with *bad at the first bad byte. */
mm_rc mm_utf8_validate(const char *s, size_t len, size_t *bad);

/* 1-based line and column (in characters) of byte offset off in s. */
void mm_text_linecol(const char *s, size_t off, long *line, long *col);

/* Whether cp is a look-alike compatibility character; OUT: *standard, its NFKC form (0 when it
 * has none, as for some radicals). */
int mm_text_is_lookalike(uint32_t cp, uint32_t *standard);

/* Finds the first look-alike in a NUL-terminated UTF-8 string: returns 1 and its byte offset,
 * code point and standard form, or 0 when there is none. */
int mm_text_find_lookalike(const char *s, size_t *off, uint32_t *cp, uint32_t *standard);

/* Returns a copy of s with every mapped look-alike replaced by its standard character. */
char *mm_text_normalize(const char *s);

/* Encodes cp as UTF-8 into out (4 bytes + NUL). */
void mm_utf8_put(uint32_t cp, char out[5]);

typedef enum { MM_ENC_UTF8 = 0, MM_ENC_CP932 = 1 } mm_encoding;

/* Guesses the encoding of a file's bytes: a UTF-8 BOM or valid UTF-8 is UTF-8, else CP932. */
mm_encoding mm_text_detect(const char *s, size_t len);

/*
 * Converts to UTF-8. A leading UTF-8 BOM is dropped. On an invalid byte sequence returns
 * MM_ERR_PARSE and, in err, the 1-based line and column (column counted in characters of
 * the input) of the offending byte; err->file is left for the caller. OUT: *out, *outlen.
 */
mm_rc mm_text_to_utf8(const char *in, size_t len, mm_encoding enc, char **out, size_t *outlen,
                      mm_error *err);

/* UTF-8 to CP932. A character CP932 cannot hold gives MM_ERR_INVALID naming it. */
mm_rc mm_text_utf8_to_cp932(const char *in, size_t len, char **out, size_t *outlen, mm_error *err);

#endif
