/*
 * The audit trail: every change to the store (answers, facility, vendors, imports) is one
 * entry — who, when, what, the value before and after — chained by BLAKE2b-256 hashes so that
 * an edited, removed or reordered entry is found by mm_audit_verify, which names it. The
 * newest entry's sequence number and hash are also kept in `meta` (written in the same
 * transaction), so cutting entries off the end is found too.
 */
#ifndef MM_AUDIT_H
#define MM_AUDIT_H

#include "base.h"
#include "buf.h"
#include "store.h"

/* Appends an entry. Must run inside a transaction the caller opened. before/after are JSON
 * text or NULL. OUT: *seq when not NULL. */
mm_rc mm_audit_append(mm_store *st, const char *actor, const char *action, const char *entity,
                      const char *before, const char *after, long *seq, mm_error *err);

typedef struct mm_audit_report {
    long entries;  /* entries checked */
    long problems; /* problems found (0 = intact) */
    mm_buf text;   /* one line per problem, Japanese then English */
} mm_audit_report;

void mm_audit_report_init(mm_audit_report *r);
void mm_audit_report_release(mm_audit_report *r);

/*
 * Walks the chain and cross-checks the answer and facility tables against it. Returns MM_OK
 * when intact, MM_ERR_TAMPER when something was found (described in r), or another code when
 * the store could not be read.
 */
mm_rc mm_audit_verify(mm_store *st, mm_audit_report *r, mm_error *err);

/*
 * The head of the trail: the newest entry's number, time and hash (OUT: *seq = 0 when the
 * trail is empty). Written down outside Mamori (printed on a report, kept by an inspector), it
 * anchors the trail: mm_audit_check_anchor later proves entry seq still has that hash, which a
 * trail rewritten and re-chained from an earlier entry cannot.
 */
mm_rc mm_audit_head(mm_store *st, long *seq, char at[21], char hash[65], mm_error *err);

/* Checks an anchor "SEQ:HASH" (from mm_audit_head) against the trail; a mismatch or a missing
 * entry is added to r as a problem. MM_ERR_USAGE when the anchor is malformed. */
mm_rc mm_audit_check_anchor(mm_store *st, const char *anchor, mm_audit_report *r, mm_error *err);

/* Lists entries (newest last) as text lines into out; limit 0 = all. */
mm_rc mm_audit_list(mm_store *st, long limit, mm_buf *out, mm_error *err);

#endif
