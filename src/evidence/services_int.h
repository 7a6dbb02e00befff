/*
 * Private to the services module: helpers shared by its parser, store and list files.
 */
#ifndef MM_SERVICES_INT_H
#define MM_SERVICES_INT_H

#include "services.h"

/* Converts the bytes of a service list to UTF-8: UTF-16LE/BE (with BOM, or LE recognised by
 * its zero bytes), UTF-8 with or without BOM, else CP932. A NUL character is an error.
 * OUT: *text (caller frees), *tlen, *enc (static name). err->file is set to name. */
mm_rc mm_svc_decode(const char *name, const char *data, size_t len, char **text, size_t *tlen,
                    const char **enc, mm_error *err);

/* The date in Japan of an ISO-8601 time ("2025-11-20T01:02:03Z", "…+09:00" or a bare date).
 * MM_ERR_PARSE when it is not one. */
mm_rc mm_svc_taken_date(const char *iso, mm_date *out);

#endif
