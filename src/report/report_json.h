/*
 * The checklist model as JSON: one sheet of a report set with its summary and rows (answers
 * per round, overdue, machine verdict, conflict text, guidance). Shared by
 * `mamori checklist show --json` and GET /api/v1/checklist so both say the same thing.
 */
#ifndef MM_REPORT_JSON_H
#define MM_REPORT_JSON_H

#include "buf.h"
#include "report.h"

enum {
    MM_REPORT_JSON_FINDINGS = 1 << 0, /* each row also lists the open findings of its item */
};

/* Appends one sheet as a JSON object to b. */
void mm_report_json(mm_buf *b, const mm_report_set *set, const mm_report *r, unsigned flags);
/* Appends a finding as a JSON object (refs embedded as stored: a JSON array). */
void mm_finding_json(mm_buf *b, const mm_finding *f);

#endif
