/*
 * The evaluation engine: runs the evaluator table, collects what each emits, and keeps the
 * `finding` table in step (new findings inserted with first_seen, repeated ones get last_seen,
 * findings no longer raised get resolved_at). Also the item verdict and the conflict text
 * the checklist view and the reports show.
 */
#include <time.h>

#include "audit.h"
#include "evaluate.h"

typedef struct pending {
    const mm_evaluator *ev;
    mm_scope scope;
    char *subject;
    mm_verdict verdict;
    char *reason_ja, *reason_en, *refs;
} pending;

struct mm_eval_ctx {
    mm_store *st;
    mm_date today;
    mm_eval_settings set;
    const mm_evaluator *current;
    pending *v;
    size_t n, cap;
};

static const struct {
    const char *name, *label;
} verdicts[] = {
    {"pass", "適合"},   {"fail", "不適合"},   {"unknown", "証拠不足"},
    {"na", "該当なし"}, {"none", "評価なし"},
};

const char *mm_verdict_name(mm_verdict v)
{
    return (unsigned)v < MM_ARRAY_LEN(verdicts) ? verdicts[v].name : "?";
}

const char *mm_verdict_label(mm_verdict v)
{
    return (unsigned)v < MM_ARRAY_LEN(verdicts) ? verdicts[v].label : "?";
}

mm_rc mm_verdict_parse(const char *s, mm_verdict *out)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(verdicts); i++) {
        if (mm_streq(s, verdicts[i].name)) {
            *out = (mm_verdict)i;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

mm_store *mm_eval_store(mm_eval_ctx *ctx)
{
    return ctx->st;
}

mm_date mm_eval_today(const mm_eval_ctx *ctx)
{
    return ctx->today;
}

const mm_eval_settings *mm_eval_settings_of(const mm_eval_ctx *ctx)
{
    return &ctx->set;
}

/* Adds one finding; the two formats take the same arguments, in the same order. */
static void emit_v(mm_eval_ctx *ctx, mm_scope scope, const char *subject, mm_verdict v,
                   const char *refs, const char *ja, const char *en, va_list ap)
{
    pending *p;
    va_list ap2;
    mm_buf b;

    if (ctx->n == ctx->cap) {
        ctx->cap = ctx->cap ? ctx->cap * 2 : 64;
        ctx->v = mm_xrealloc(ctx->v, ctx->cap * sizeof(pending));
    }
    p = &ctx->v[ctx->n++];
    p->ev = ctx->current;
    p->scope = scope;
    p->subject = mm_xstrdup(subject);
    p->verdict = v;
    p->refs = mm_xstrdup(refs ? refs : "[]");
    mm_buf_init(&b, 0);
    va_copy(ap2, ap);
    mm_buf_vaddf(&b, ja, ap2);
    va_end(ap2);
    p->reason_ja = mm_buf_detach(&b, NULL);
    mm_buf_vaddf(&b, en, ap);
    p->reason_en = mm_buf_detach(&b, NULL);
}

void mm_eval_emit(mm_eval_ctx *ctx, const char *subject, mm_verdict v, const char *refs,
                  const char *ja, const char *en, ...)
{
    va_list ap;

    va_start(ap, en);
    emit_v(ctx, MM_SCOPE_ALL, subject, v, refs, ja, en, ap);
    va_end(ap);
}

void mm_eval_emit_scoped(mm_eval_ctx *ctx, mm_scope scope, const char *subject, mm_verdict v,
                         const char *refs, const char *ja, const char *en, ...)
{
    va_list ap;

    va_start(ap, en);
    emit_v(ctx, scope, subject, v, refs, ja, en, ap);
    va_end(ap);
}

static void pending_release(mm_eval_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n; i++) {
        free(ctx->v[i].subject);
        free(ctx->v[i].reason_ja);
        free(ctx->v[i].reason_en);
        free(ctx->v[i].refs);
    }
    free(ctx->v);
}

static mm_rc store_findings(mm_eval_ctx *ctx, const char *now, mm_eval_summary *sum, mm_error *err)
{
    sqlite3_stmt *up = NULL, *res = NULL;
    mm_rc rc = mm_store_prepare(
        ctx->st,
        "INSERT INTO finding(item_id, rule, subject, verdict, reason_ja, reason_en, refs, "
        "first_seen, last_seen, resolved_at, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, "
        "NULL, ?9) ON CONFLICT(item_id, rule, subject) DO UPDATE SET verdict = excluded.verdict, "
        "scope = excluded.scope, "
        "reason_ja = excluded.reason_ja, reason_en = excluded.reason_en, refs = excluded.refs, "
        "last_seen = excluded.last_seen, resolved_at = NULL, "
        "first_seen = CASE WHEN finding.resolved_at IS NULL AND finding.verdict = "
        "excluded.verdict THEN finding.first_seen ELSE excluded.first_seen END",
        &up, err);

    if (rc != MM_OK)
        return rc;
    for (size_t i = 0; i < ctx->n && rc == MM_OK; i++) {
        const pending *p = &ctx->v[i];
        sqlite3_reset(up);
        mm_bind_text(up, 1, p->ev->item);
        mm_bind_text(up, 2, p->ev->rule);
        mm_bind_text(up, 3, p->subject);
        mm_bind_text(up, 4, mm_verdict_name(p->verdict));
        mm_bind_text(up, 5, p->reason_ja);
        mm_bind_text(up, 6, p->reason_en);
        mm_bind_text(up, 7, p->refs);
        mm_bind_text(up, 8, now);
        mm_bind_text(up, 9, mm_scope_name(p->scope));
        if (sqlite3_step(up) != SQLITE_DONE)
            rc = mm_store_error(ctx->st, err, "storing findings");
        sum->findings++;
        if (p->verdict == MM_VERDICT_FAIL)
            sum->failures++;
    }
    sqlite3_finalize(up);
    if (rc != MM_OK)
        return rc;
    /* Whatever was open and not raised in this run is resolved now. Runs can share a
     * timestamp (same second), so this run's subjects are listed explicitly. */
    rc = mm_store_exec(ctx->st,
                       "CREATE TEMP TABLE IF NOT EXISTS eval_seen(item_id TEXT, rule TEXT, "
                       "subject TEXT, PRIMARY KEY(item_id, rule, subject)); DELETE FROM "
                       "temp.eval_seen",
                       err);
    if (rc == MM_OK)
        rc = mm_store_prepare(ctx->st, "INSERT OR IGNORE INTO temp.eval_seen VALUES (?, ?, ?)", &up,
                              err);
    for (size_t i = 0; rc == MM_OK && i < ctx->n; i++) {
        sqlite3_reset(up);
        mm_bind_text(up, 1, ctx->v[i].ev->item);
        mm_bind_text(up, 2, ctx->v[i].ev->rule);
        mm_bind_text(up, 3, ctx->v[i].subject);
        if (sqlite3_step(up) != SQLITE_DONE)
            rc = mm_store_error(ctx->st, err, "resolving findings");
    }
    sqlite3_finalize(up);
    if (rc != MM_OK)
        return rc;
    rc = mm_store_prepare(ctx->st,
                          "UPDATE finding SET resolved_at = ?1 WHERE resolved_at IS NULL AND NOT "
                          "EXISTS (SELECT 1 FROM temp.eval_seen s WHERE s.item_id = "
                          "finding.item_id AND s.rule = finding.rule AND s.subject = "
                          "finding.subject)",
                          &res, err);
    if (rc != MM_OK)
        return rc;
    mm_bind_text(res, 1, now);
    if (sqlite3_step(res) != SQLITE_DONE)
        rc = mm_store_error(ctx->st, err, "resolving findings");
    else
        sum->resolved = sqlite3_changes(mm_store_db(ctx->st));
    sqlite3_finalize(res);
    return rc;
}

mm_rc mm_evaluate_all(mm_store *st, const mm_eval_settings *set, mm_eval_summary *sum,
                      mm_error *err)
{
    mm_eval_ctx ctx;
    char now[21], after[160];
    mm_rc rc;

    memset(&ctx, 0, sizeof(ctx));
    memset(sum, 0, sizeof(*sum));
    ctx.st = st;
    ctx.today = mm_date_today();
    ctx.set = *set;
    if (ctx.set.unused_account_days <= 0)
        ctx.set.unused_account_days = 90;
    mm_now_iso(now);
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < mm_evaluators_len && rc == MM_OK; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ctx.current = &mm_evaluators[i];
        rc = mm_evaluators[i].fn(&ctx, err);
        sum->evaluators++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        /* MAMORI_EVAL_TRACE=1 prints each evaluator's time (for bench/bench_evaluate.sh). */
        if (getenv("MAMORI_EVAL_TRACE"))
            fprintf(stderr, "evaluate: %-5s %-20s %8.2f ms\n", mm_evaluators[i].item,
                    mm_evaluators[i].rule,
                    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                        (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    }
    if (rc == MM_OK)
        rc = store_findings(&ctx, now, sum, err);
    if (rc == MM_OK) {
        snprintf(after, sizeof(after),
                 "{\"evaluators\":%d,\"findings\":%d,\"failures\":%d,\"resolved\":%d}",
                 sum->evaluators, sum->findings, sum->failures, sum->resolved);
        rc = mm_audit_append(st, "mamori", "evaluate", "findings", NULL, after, NULL, err);
    }
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
out:
    pending_release(&ctx);
    return rc;
}

void mm_finding_list_release(mm_finding_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].subject);
        free(l->v[i].reason_ja);
        free(l->v[i].reason_en);
        free(l->v[i].refs);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

mm_rc mm_findings_list(mm_store *st, const char *item_id, int all, mm_finding_list *out,
                       mm_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rcs;
    mm_rc rc = mm_store_prepare(
        st,
        "SELECT id, item_id, rule, subject, verdict, reason_ja, reason_en, refs, first_seen, "
        "last_seen, coalesce(resolved_at, ''), scope FROM finding WHERE (?1 IS NULL OR item_id = "
        "?1) "
        "AND (?2 OR resolved_at IS NULL) ORDER BY CAST(substr(item_id, 1, instr(item_id, '-') "
        "- 1) AS INTEGER), CAST(substr(item_id, instr(item_id, '-') + 1) AS INTEGER), "
        "CASE verdict WHEN 'fail' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pass' THEN 2 ELSE 3 END, "
        "rule, subject",
        &s, err);

    out->v = NULL;
    out->n = 0;
    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, item_id);
    sqlite3_bind_int(s, 2, all);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        mm_finding *f;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 32;
            out->v = mm_xrealloc(out->v, cap * sizeof(mm_finding));
        }
        f = &out->v[out->n++];
        memset(f, 0, sizeof(*f));
        f->id = (long)sqlite3_column_int64(s, 0);
        mm_strlcpy(f->item_id, mm_col_text(s, 1), sizeof(f->item_id));
        mm_strlcpy(f->rule, mm_col_text(s, 2), sizeof(f->rule));
        f->subject = mm_xstrdup(mm_col_text(s, 3));
        mm_verdict_parse(mm_col_text(s, 4), &f->verdict);
        f->reason_ja = mm_xstrdup(mm_col_text(s, 5));
        f->reason_en = mm_xstrdup(mm_col_text(s, 6));
        f->refs = mm_xstrdup(mm_col_text(s, 7));
        mm_strlcpy(f->first_seen, mm_col_text(s, 8), sizeof(f->first_seen));
        mm_strlcpy(f->last_seen, mm_col_text(s, 9), sizeof(f->last_seen));
        mm_strlcpy(f->resolved_at, mm_col_text(s, 10), sizeof(f->resolved_at));
        if (mm_scope_parse(mm_col_text(s, 11), &f->scope) != MM_OK)
            f->scope = MM_SCOPE_ALL;
    }
    if (rcs != SQLITE_DONE) {
        rc = mm_store_error(st, err, "reading findings");
        mm_finding_list_release(out);
    }
    sqlite3_finalize(s);
    return rc;
}

static int has_evaluator(const char *item_id)
{
    for (size_t i = 0; i < mm_evaluators_len; i++)
        if (mm_streq(mm_evaluators[i].item, item_id))
            return 1;
    return 0;
}

/* Whether finding f counts for a row of its item: scope MM_SCOPE_COUNT means "any row". */
static int counts(const mm_finding *f, const char *item_id, mm_scope scope)
{
    if (f->resolved_at[0] || !mm_streq(f->item_id, item_id))
        return 0;
    return scope == MM_SCOPE_COUNT || f->scope == MM_SCOPE_ALL || f->scope == scope;
}

static mm_verdict verdict_of(const mm_finding_list *open, const char *item_id, mm_scope scope,
                             int *fails)
{
    int nfail = 0, npass = 0, nunknown = 0, nna = 0;

    for (size_t i = 0; i < open->n; i++) {
        const mm_finding *f = &open->v[i];
        if (!counts(f, item_id, scope))
            continue;
        switch (f->verdict) {
        case MM_VERDICT_FAIL: nfail++; break;
        case MM_VERDICT_PASS: npass++; break;
        case MM_VERDICT_NA: nna++; break;
        default: nunknown++; break;
        }
    }
    if (fails)
        *fails = nfail;
    if (nfail)
        return MM_VERDICT_FAIL;
    if (nunknown)
        return MM_VERDICT_UNKNOWN;
    if (npass)
        return MM_VERDICT_PASS;
    if (nna)
        return MM_VERDICT_NA;
    return has_evaluator(item_id) ? MM_VERDICT_UNKNOWN : MM_VERDICT_NONE;
}

mm_verdict mm_item_verdict(const mm_finding_list *open, const char *item_id, int *fails)
{
    return verdict_of(open, item_id, MM_SCOPE_COUNT, fails);
}

mm_verdict mm_row_verdict(const mm_finding_list *open, const char *item_id, mm_scope scope,
                          int *fails)
{
    return verdict_of(open, item_id, scope, fails);
}

int mm_answer_conflict(mm_answer_value human, mm_verdict machine, const mm_finding_list *open,
                       const char *item_id, mm_scope scope, char *out, size_t outsz)
{
    const mm_finding *first = NULL;
    int fails = 0;

    out[0] = '\0';
    for (size_t i = 0; i < open->n; i++) {
        if (counts(&open->v[i], item_id, scope) && open->v[i].verdict == MM_VERDICT_FAIL) {
            if (!first)
                first = &open->v[i];
            fails++;
        }
    }
    if (human == MM_ANS_YES && machine == MM_VERDICT_FAIL && first) {
        if (fails == 1)
            snprintf(out, outsz, "はい, しかし証拠と矛盾: %s", first->reason_ja);
        else
            snprintf(out, outsz, "はい, しかし証拠と矛盾する指摘が %d 件: %s ほか", fails,
                     first->reason_ja);
        return 1;
    }
    if (human == MM_ANS_NA && machine == MM_VERDICT_FAIL && first) {
        snprintf(out, outsz, "該当なし, しかし証拠では該当: %s", first->reason_ja);
        return 1;
    }
    if (human == MM_ANS_NO && machine == MM_VERDICT_PASS) {
        snprintf(out, outsz, "いいえ, しかし証拠では満たしています（回答の見直しを）");
        return 1;
    }
    return 0;
}
