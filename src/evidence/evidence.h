/*
 * Evidence: what a hospital already has (asset ledger, accounts, staff roster, policies,
 * service lists, firmware versions, allow-lists, advisories) brought into the store so the
 * evaluators can check checklist answers against it. This header holds what every importer
 * shares; each kind of evidence has its own importer (see importer.h and services.h).
 *
 * Every import is one transaction: the rows, one `import` row (file, SHA-256 of its bytes, row
 * count, who, when) and one audit entry, all or nothing.
 */
#ifndef MM_EVIDENCE_H
#define MM_EVIDENCE_H

#include "base.h"
#include "store.h"

/* Maximum size of one evidence file. */
#define MM_EVIDENCE_MAX_BYTES (64u * 1024 * 1024)

/*
 * Inside a transaction the caller opened: records that `file` (its bytes data/len) was
 * imported as `kind` with `rows` rows, and writes the audit entry "evidence.import".
 * OUT: *import_id, to store in each imported row's import_id.
 */
mm_rc mm_evidence_import_begin(mm_store *st, const char *kind, const char *file, const void *data,
                               size_t len, const char *actor, long *import_id, mm_error *err);

/* Sets the row count of an import once the rows are in (same transaction). */
mm_rc mm_evidence_import_finish(mm_store *st, long import_id, long rows, mm_error *err);

#endif
