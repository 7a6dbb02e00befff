/*
 * Alerts as stored (table alert): listing them with filters, and recording reviews. The CLI
 * (`mamori alerts`) and the web API share these, so both show the same rows and a review from
 * either lands in the same columns and the same audit entry.
 */
#include "audit.h"
#include "logs_int.h"

static const char *const severities[] = {"low", "medium", "high", "critical"};

int mm_alert_severity_parse(const char *s)
{
    for (int i = 0; i < (int)MM_ARRAY_LEN(severities); i++)
        if (s && strcmp(s, severities[i]) == 0)
            return i;
    return -1;
}

/* The filter as SQL (?1 rule, ?3 open only, ?4 minimum severity, ?5 id; ?2 is the limit),
 * shared by the list and the count. */
#define FILTER_WHERE                                                                               \
    "(?1 IS NULL OR rule = ?1) AND (?3 = 0 OR reviewed_at IS NULL) AND CASE severity WHEN "        \
    "'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END >= ?4 AND (?5 = 0 OR "   \
    "id = ?5)"

static void bind_filter(sqlite3_stmt *q, const mm_alert_filter *f)
{
    mm_bind_text(q, 1, f->rule && *f->rule ? f->rule : NULL);
    sqlite3_bind_int64(q, 2, f->limit > 0 ? f->limit : 1000);
    sqlite3_bind_int(q, 3, f->open_only);
    sqlite3_bind_int(q, 4, f->min_severity);
    sqlite3_bind_int64(q, 5, f->id);
}

mm_rc mm_alerts_count(mm_store *st, const mm_alert_filter *f, long long *n, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(st, "SELECT count(*) FROM alert WHERE " FILTER_WHERE, &q, err);

    *n = 0;
    if (rc != MM_OK)
        return rc;
    bind_filter(q, f);
    if (sqlite3_step(q) == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    else
        rc = mm_store_error(st, err, "counting alerts");
    sqlite3_finalize(q);
    return rc;
}

mm_rc mm_alerts_each(mm_store *st, const mm_alert_filter *f, mm_alert_fn fn, void *arg,
                     mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_alert_row row;
    int rcs;
    mm_rc rc = mm_store_prepare(
        st,
        "SELECT id, rule, severity, subject, first_at, last_at, count, title_ja, title_en, "
        "detail_ja, detail_en, events, reviewed_at, reviewed_by, review_note FROM alert "
        "WHERE " FILTER_WHERE " ORDER BY first_at DESC, id DESC LIMIT ?2",
        &q, err);

    if (rc != MM_OK)
        return rc;
    bind_filter(q, f);
    while ((rcs = sqlite3_step(q)) == SQLITE_ROW) {
        row.id = sqlite3_column_int64(q, 0);
        row.rule = mm_col_text(q, 1);
        row.severity = mm_col_text(q, 2);
        row.subject = mm_col_text(q, 3);
        row.first_at = mm_col_text(q, 4);
        row.last_at = mm_col_text(q, 5);
        row.count = sqlite3_column_int64(q, 6);
        row.title_ja = mm_col_text(q, 7);
        row.title_en = mm_col_text(q, 8);
        row.detail_ja = mm_col_text(q, 9);
        row.detail_en = mm_col_text(q, 10);
        row.events_json = mm_col_text(q, 11);
        row.reviewed = sqlite3_column_type(q, 12) != SQLITE_NULL;
        row.reviewed_at = mm_col_text(q, 12);
        row.reviewed_by = mm_col_text(q, 13);
        row.review_note = mm_col_text(q, 14);
        if (fn(arg, &row) != 0)
            break;
    }
    if (rcs != SQLITE_ROW && rcs != SQLITE_DONE)
        rc = mm_store_error(st, err, "reading alerts");
    sqlite3_finalize(q);
    return rc;
}

void mm_alert_row_json(mm_buf *b, const mm_alert_row *a)
{
    const char *keys[] = {"rule", "severity", "subject", "first_at", "last_at"};
    const char *vals[] = {a->rule, a->severity, a->subject, a->first_at, a->last_at};
    const char *tkeys[] = {"title_ja", "title_en", "detail_ja", "detail_en"};
    const char *tvals[] = {a->title_ja, a->title_en, a->detail_ja, a->detail_en};

    mm_buf_addf(b, "{\"id\":%lld", a->id);
    for (int k = 0; k < 5; k++) {
        mm_buf_addf(b, ",\"%s\":", keys[k]);
        mm_buf_add_json_str(b, vals[k]);
    }
    mm_buf_addf(b, ",\"count\":%lld", a->count);
    for (int k = 0; k < 4; k++) {
        mm_buf_addf(b, ",\"%s\":", tkeys[k]);
        mm_buf_add_json_str(b, tvals[k]);
    }
    mm_buf_addf(b, ",\"events\":%s,\"reviewed\":", a->events_json[0] ? a->events_json : "[]");
    if (a->reviewed) {
        mm_buf_adds(b, "{\"at\":");
        mm_buf_add_json_str(b, a->reviewed_at);
        mm_buf_adds(b, ",\"by\":");
        mm_buf_add_json_str(b, a->reviewed_by);
        mm_buf_adds(b, ",\"note\":");
        mm_buf_add_json_str(b, a->review_note);
        mm_buf_adds(b, "}}");
    } else {
        mm_buf_adds(b, "null}");
    }
}

mm_rc mm_alerts_review(mm_store *st, const long long *ids, size_t n, const char *note,
                       const char *actor, mm_error *err)
{
    sqlite3_stmt *get = NULL, *set = NULL;
    char now[24];
    mm_rc rc;

    if (!note || !*note || strlen(note) > MM_ALERT_NOTE_MAX)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "確認した内容（1〜%d バイト）が必要です (a review note of 1-%d bytes "
                            "is required)",
                            MM_ALERT_NOTE_MAX, MM_ALERT_NOTE_MAX);
    if (n == 0)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "検知の番号がありません (no alert IDs)");
    mm_time_format_utc(mm_logs_now_ms(), now, sizeof(now));
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        return rc;
    if ((rc = mm_store_prepare(st, "SELECT rule, subject, review_note FROM alert WHERE id = ?",
                               &get, err)) != MM_OK ||
        (rc = mm_store_prepare(st,
                               "UPDATE alert SET reviewed_at = ?, reviewed_by = ?, review_note "
                               "= ? WHERE id = ?",
                               &set, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        mm_buf before, after;
        sqlite3_reset(get);
        sqlite3_bind_int64(get, 1, ids[i]);
        if (sqlite3_step(get) != SQLITE_ROW) {
            rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                              "検知 #%lld はありません (no alert #%lld); 何も記録していません "
                              "(nothing was recorded)",
                              ids[i], ids[i]);
            break;
        }
        mm_buf_init(&before, 0);
        mm_buf_init(&after, 0);
        mm_buf_addf(&before, "{\"alert\":%lld,\"rule\":", ids[i]);
        mm_buf_add_json_str(&before, mm_col_text(get, 0));
        mm_buf_adds(&before, ",\"subject\":");
        mm_buf_add_json_str(&before, mm_col_text(get, 1));
        mm_buf_adds(&before, ",\"review_note\":");
        mm_buf_add_json_str(&before, mm_col_text(get, 2));
        mm_buf_adds(&before, "}");
        mm_buf_addf(&after, "{\"alert\":%lld,\"reviewed_at\":\"%s\",\"review_note\":", ids[i], now);
        mm_buf_add_json_str(&after, note);
        mm_buf_adds(&after, "}");
        sqlite3_reset(set);
        mm_bind_text(set, 1, now);
        mm_bind_text(set, 2, actor);
        mm_bind_text(set, 3, note);
        sqlite3_bind_int64(set, 4, ids[i]);
        if (sqlite3_step(set) != SQLITE_DONE)
            rc = mm_store_error(st, err, "recording the review");
        else
            rc = mm_audit_append(st, actor, "alert.review", "alert", mm_buf_str(&before),
                                 mm_buf_str(&after), NULL, err);
        mm_buf_release(&before);
        mm_buf_release(&after);
    }
out:
    sqlite3_finalize(get);
    sqlite3_finalize(set);
    if (rc == MM_OK)
        return mm_store_commit(st, err);
    mm_store_rollback(st);
    return rc;
}
