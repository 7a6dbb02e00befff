/*
 * Evaluators: for each checklist item where evidence can speak, a function that reads the
 * store and returns findings — pass, fail, unknown (not enough evidence) or not applicable —
 * each with reasons in Japanese and English and references to the rows that prove it. The
 * human answer stays the official one; an evaluator never changes it. Where they disagree the
 * checklist view shows a conflict ("はい, but 3 enabled accounts belong to staff who left").
 *
 * The evaluators are one table (eval_rules.c). To add one: write a `static mm_rc
 * eval_x(mm_eval_ctx *ctx)` that calls mm_eval_emit for what it finds, and add a row
 * {item id, rule name, function, what it checks (ja), (en)} to mm_evaluators.
 *
 * Findings are stored (table `finding`) with first seen, last seen and resolved: a finding
 * that a later run no longer raises is marked resolved, not deleted.
 */
#ifndef MM_EVALUATE_H
#define MM_EVALUATE_H

#include "answer.h"
#include "buf.h"
#include "catalog.h"
#include "date.h"
#include "store.h"

typedef enum {
    MM_VERDICT_PASS = 0,
    MM_VERDICT_FAIL,
    MM_VERDICT_UNKNOWN, /* not enough evidence */
    MM_VERDICT_NA,      /* the item does not apply (e.g. no vendor devices) */
    MM_VERDICT_NONE,    /* no evaluator for the item */
} mm_verdict;

const char *mm_verdict_name(mm_verdict v); /* "pass", "fail", "unknown", "na", "none" */
const char *
mm_verdict_label(mm_verdict v); /* "適合", "不適合", "証拠不足", "該当なし", "評価なし" */
mm_rc mm_verdict_parse(const char *s, mm_verdict *out);

/* Settings an evaluation reads (from mamori.conf [evaluate]). */
typedef struct mm_eval_settings {
    int unused_account_days; /* 2-⑤: an enabled account unused this long is a finding (90) */
    const char *ws_dir;      /* workspace directory (its unneeded-services.json), or NULL */
} mm_eval_settings;

typedef struct mm_eval_ctx mm_eval_ctx;

/* Called by an evaluator for each thing it found. subject identifies what the finding is
 * about, stably across runs ("account:AD/yamada", "*" for the item as a whole); refs is a
 * JSON array of row references ([{"table":"account","id":12,"label":"AD/yamada",
 * "file":"accounts.csv","line":7}]) or NULL. */
void mm_eval_emit(mm_eval_ctx *ctx, const char *subject, mm_verdict v, const char *refs,
                  const char *reason_ja_fmt, const char *reason_en_fmt, ...)
    __attribute__((format(printf, 5, 7)));

/* The same for a finding about one scope of the item only (2-⑫: the server or the PC row);
 * mm_eval_emit is this with MM_SCOPE_ALL, which applies to every row of the item. */
void mm_eval_emit_scoped(mm_eval_ctx *ctx, mm_scope scope, const char *subject, mm_verdict v,
                         const char *refs, const char *reason_ja_fmt, const char *reason_en_fmt,
                         ...) __attribute__((format(printf, 6, 8)));

/* Accessors for evaluators. */
mm_store *mm_eval_store(mm_eval_ctx *ctx);
mm_date mm_eval_today(const mm_eval_ctx *ctx);
const mm_eval_settings *mm_eval_settings_of(const mm_eval_ctx *ctx);

typedef mm_rc (*mm_evaluator_fn)(mm_eval_ctx *ctx, mm_error *err);

typedef struct mm_evaluator {
    const char *item; /* checklist item id ("2-5") */
    const char *rule; /* short stable name ("left-staff-enabled") */
    mm_evaluator_fn fn;
    const char *what_ja, *what_en;
} mm_evaluator;

extern const mm_evaluator mm_evaluators[];
extern const size_t mm_evaluators_len;

/* One stored finding. */
typedef struct mm_finding {
    long id;
    char item_id[32];
    char rule[64];
    char *subject;
    mm_verdict verdict;
    char *reason_ja, *reason_en;
    char *refs;     /* JSON array */
    mm_scope scope; /* MM_SCOPE_ALL, or the one row of the item it is about */
    char first_seen[21], last_seen[21];
    char resolved_at[21]; /* "" while open */
} mm_finding;

typedef struct mm_finding_list {
    mm_finding *v;
    size_t n;
} mm_finding_list;

void mm_finding_list_release(mm_finding_list *l);

typedef struct mm_eval_summary {
    int evaluators;
    int findings; /* raised in this run */
    int failures; /* of which fail */
    int resolved; /* open findings this run no longer raised */
} mm_eval_summary;

/* Runs every evaluator and stores the findings in one transaction, with an audit entry.
 * OUT: *sum. */
mm_rc mm_evaluate_all(mm_store *st, const mm_eval_settings *set, mm_eval_summary *sum,
                      mm_error *err);

/* Open findings (resolved ones too when all is set), optionally of one item. OUT: *out,
 * ordered by item, verdict (fail first), subject. */
mm_rc mm_findings_list(mm_store *st, const char *item_id, int all, mm_finding_list *out,
                       mm_error *err);

/* The machine verdict of an item from its open findings: any fail → fail; else any pass →
 * pass; else unknown; only na → na; no evaluator → none. OUT: *fails, the number of failing
 * findings (may be NULL). */
mm_verdict mm_item_verdict(const mm_finding_list *open, const char *item_id, int *fails);
/* The same for one printed row: findings of the item's whole (MM_SCOPE_ALL) and of that scope. */
mm_verdict mm_row_verdict(const mm_finding_list *open, const char *item_id, mm_scope scope,
                          int *fails);

/* Whether a human answer and a machine verdict disagree, and a one-line explanation in
 * Japanese ("はい, but …") into out, citing the findings of that row (scope). Returns 1 on a
 * conflict. */
int mm_answer_conflict(mm_answer_value human, mm_verdict machine, const mm_finding_list *open,
                       const char *item_id, mm_scope scope, char *out, size_t outsz);

#endif
