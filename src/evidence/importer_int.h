/* Private to src/evidence: helpers the kind tables (import_kinds.c) share with the engine. */
#ifndef MM_IMPORTER_INT_H
#define MM_IMPORTER_INT_H

#include "importer.h"

/*
 * Finds the vendor named name or adds it (with a "vendor.add" audit entry) inside the caller's
 * transaction. name is already normalised. OUT: *id.
 */
mm_rc mm_import_vendor_ensure(mm_store *st, const char *name, const char *actor, long *id,
                              mm_error *err);

/*
 * Converts one trimmed, non-empty value to its canonical text by the field's type. On error
 * fills ferr with a message naming the field and what was expected ("ip: … (expected an
 * IPv4/IPv6 address, got \"10.0.0.300\")"); ferr->col is the 1-based character column within
 * the value when known (else 0). OUT: *out (malloc'd).
 */
mm_rc mm_import_convert(const mm_import_field *f, const char *in, char **out, mm_error *ferr);

/* Removes white space (ASCII and U+3000) at both ends in place; returns the number of
 * characters removed from the front. */
long mm_import_trim(char *s);

#endif
