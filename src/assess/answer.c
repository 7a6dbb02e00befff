/*
 * Recording and reading checklist answers. The rules of an answer (scope, dates, the
 * fiscal-year bound of 対応目標日) live in mm_answer_validate so the CLI, the importers and
 * later the web API apply exactly the same ones.
 */
#include "answer.h"
#include "audit.h"
#include "buf.h"
#include "text.h"

static const struct {
    mm_answer_value v;
    const char *name, *label;
} values[] = {
    {MM_ANS_YES, "yes", "はい"},
    {MM_ANS_NO, "no", "いいえ"},
    {MM_ANS_NA, "na", "該当なし"},
};

const char *mm_answer_value_name(mm_answer_value v)
{
    return (unsigned)v < MM_ARRAY_LEN(values) ? values[v].name : "?";
}

const char *mm_answer_value_label(mm_answer_value v)
{
    return (unsigned)v < MM_ARRAY_LEN(values) ? values[v].label : "?";
}

mm_rc mm_answer_value_parse(const char *s, mm_answer_value *out)
{
    static const struct {
        const char *text;
        mm_answer_value v;
    } aliases[] = {
        {"yes", MM_ANS_YES}, {"y", MM_ANS_YES},  {"はい", MM_ANS_YES},
        {"no", MM_ANS_NO},   {"n", MM_ANS_NO},   {"いいえ", MM_ANS_NO},
        {"na", MM_ANS_NA},   {"n/a", MM_ANS_NA}, {"該当なし", MM_ANS_NA},
    };

    for (size_t i = 0; i < MM_ARRAY_LEN(aliases); i++) {
        if (mm_streq(s, aliases[i].text)) {
            *out = aliases[i].v;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

void mm_answer_release(mm_answer *a)
{
    if (!a)
        return;
    free(a->note);
    a->note = NULL;
}

void mm_answer_list_release(mm_answer_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        mm_answer_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

mm_rc mm_answer_validate(const mm_catalog *cat, mm_answer *a, mm_error *err)
{
    const mm_sheet *sheet = mm_catalog_sheet(cat, a->version, a->sheet);
    const mm_item *item;
    mm_date today = mm_date_today();
    char d1[11], d2[11], d3[11], fy[32];
    int fyear;

    a->bad_field = MM_AF_NONE;
    if (!sheet) {
        a->bad_field = MM_AF_VERSION;
        return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                            "%d年度版の%sはカタログにありません (no %s sheet for checklist version "
                            "%d)",
                            a->version, mm_sheet_label(a->sheet), mm_sheet_name(a->sheet),
                            a->version);
    }
    item = mm_sheet_item(sheet, a->item_id);
    if (!item)
        return a->bad_field = MM_AF_ITEM,
               mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                            "項番 \"%s\" は%d年度版の%sにありません (unknown item \"%s\"; "
                            "see `mamori checklist show`)",
                            a->item_id, a->version, mm_sheet_label(a->sheet), a->item_id);
    mm_strlcpy(a->item_id, item->id, sizeof(a->item_id));
    if (a->sheet == MM_SHEET_VENDOR && !a->vendor[0])
        return a->bad_field = MM_AF_VENDOR,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "事業者確認用の回答には事業者名が必要です (the vendor sheet needs "
                            "--vendor NAME)");
    if (a->sheet == MM_SHEET_HOSPITAL && a->vendor[0])
        return a->bad_field = MM_AF_VENDOR,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "医療機関確認用の回答に事業者名は指定できません (--vendor is only for "
                            "--sheet vendor)");
    if (a->round != 1 && a->round != 2)
        return a->bad_field = MM_AF_ROUND,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "回は 1 (1回目) か 2 (2回目) です (round must be 1 or 2, got %d)",
                            a->round);
    if (!mm_item_has_scope(item, a->scope)) {
        if (a->scope == MM_SCOPE_ALL && item->nscopes == 1) {
            a->scope = item->scopes[0];
        } else {
            mm_buf b;
            mm_rc rc;
            mm_buf_init(&b, 256);
            for (size_t i = 0; i < item->nscopes; i++)
                mm_buf_addf(&b, "%s%s", i ? ", " : "", mm_scope_name(item->scopes[i]));
            a->bad_field = MM_AF_SCOPE;
            rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                              "項番 %s の対象は %s です (item %s needs --scope %s; got %s)",
                              item->label, mm_buf_str(&b), item->id, mm_buf_str(&b),
                              mm_scope_name(a->scope));
            mm_buf_release(&b);
            return rc;
        }
    }
    if (!mm_date_valid(&a->checked))
        return a->bad_field = MM_AF_CHECKED,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "確認日が必要です (the date checked, --date, is required)");
    mm_date_iso(&a->checked, d1);
    mm_date_iso(&today, d3);
    if (mm_date_cmp(&a->checked, &today) > 0)
        return a->bad_field = MM_AF_CHECKED,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "確認日 %s は未来の日付です (the date checked %s is after today, %s)",
                            d1, d1, d3);
    if (a->value != MM_ANS_NO) {
        if (a->has_target)
            return a->bad_field = MM_AF_TARGET,
                   mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "対応目標日は「いいえ」の回答にだけ付けます (a target date is "
                                "only for a \"no\" answer)");
        return MM_OK;
    }
    fyear = mm_date_fiscal_year(&a->checked);
    mm_fy_wareki(fyear, fy, sizeof(fy));
    if (!a->has_target) {
        mm_date end = mm_fy_end(fyear);
        mm_date_iso(&end, d2);
        a->bad_field = MM_AF_TARGET;
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "「いいえ」の回答には対応目標日が必要です（%s中、%s まで） (a \"no\" "
                            "answer needs --target-date within fiscal year %d, by %s)",
                            fy, d2, fyear, d2);
    }
    mm_date_iso(&a->target, d2);
    if (mm_date_fiscal_year(&a->target) != fyear) {
        mm_date s = mm_fy_start(fyear), e = mm_fy_end(fyear);
        char ds[11], de[11];
        mm_date_iso(&s, ds);
        mm_date_iso(&e, de);
        a->bad_field = MM_AF_TARGET;
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "対応目標日 %s は確認日と同じ年度（%s: %s〜%s）にしてください (target "
                            "date %s is outside fiscal year %d of the date checked: %s to %s)",
                            d2, fy, ds, de, d2, fyear, ds, de);
    }
    if (mm_date_cmp(&a->target, &a->checked) < 0)
        return a->bad_field = MM_AF_TARGET,
               mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "対応目標日 %s が確認日 %s より前です (target date %s is before the "
                            "date checked %s)",
                            d2, d1, d2, d1);
    return MM_OK;
}

char *mm_answer_to_json(const mm_answer *a)
{
    mm_buf b;
    char d[11];

    mm_buf_init(&b, 0);
    mm_buf_addf(&b, "{\"id\":%ld,\"version\":%d,\"sheet\":\"%s\",\"vendor\":", a->id, a->version,
                mm_sheet_name(a->sheet));
    mm_buf_add_json_str(&b, a->vendor);
    mm_buf_adds(&b, ",\"item\":");
    mm_buf_add_json_str(&b, a->item_id);
    mm_buf_addf(&b, ",\"round\":%d,\"scope\":\"%s\",\"answer\":\"%s\"", a->round,
                mm_scope_name(a->scope), mm_answer_value_name(a->value));
    mm_date_iso(&a->checked, d);
    mm_buf_addf(&b, ",\"checked\":\"%s\"", d);
    if (a->has_target) {
        mm_date_iso(&a->target, d);
        mm_buf_addf(&b, ",\"target\":\"%s\"", d);
    } else {
        mm_buf_adds(&b, ",\"target\":null");
    }
    mm_buf_adds(&b, ",\"answerer\":");
    mm_buf_add_json_str(&b, a->answerer);
    mm_buf_adds(&b, ",\"note\":");
    mm_buf_add_json_str(&b, a->note ? a->note : "");
    mm_buf_addf(&b, ",\"recorded_at\":\"%s\"}", a->recorded_at);
    return mm_buf_detach(&b, NULL);
}

/* Reads the current answer for a's key (for the audit's `before`); NULL when none. */
static char *current_json(mm_store *st, const mm_answer *a, long vendor_id)
{
    mm_answer_list l = {0};
    char *json = NULL;

    if (mm_answers_history(st, a->version, a->sheet, a->vendor[0] ? a->vendor : NULL, a->item_id,
                           &l, NULL) == MM_OK) {
        for (size_t i = l.n; i-- > 0;) {
            if (l.v[i].round == a->round && l.v[i].scope == a->scope &&
                mm_streq(l.v[i].vendor, a->vendor)) {
                json = mm_answer_to_json(&l.v[i]);
                break;
            }
        }
    }
    (void)vendor_id;
    mm_answer_list_release(&l);
    return json;
}

mm_rc mm_answer_record_in_tx(mm_store *st, const mm_catalog *cat, mm_answer *a, const char *actor,
                             mm_error *err)
{
    sqlite3_stmt *s = NULL;
    long vendor_id = 0;
    char *before = NULL, *after = NULL, entity[64], d1[11], d2[11];
    mm_rc rc;

    if ((rc = mm_answer_validate(cat, a, err)) != MM_OK)
        return rc;
    if (a->note) {
        char *n = mm_text_normalize(a->note);
        free(a->note);
        a->note = n;
    }
    if (!a->answerer[0])
        mm_strlcpy(a->answerer, actor, sizeof(a->answerer));
    if (a->sheet == MM_SHEET_VENDOR) {
        rc = mm_vendor_find(st, a->vendor, &vendor_id, err);
        if (rc == MM_ERR_NOTFOUND)
            rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                              "事業者 \"%s\" は登録されていません (unknown vendor \"%s\"; add it "
                              "with `mamori vendor add`)",
                              a->vendor, a->vendor);
        if (rc != MM_OK)
            return rc;
    }
    before = current_json(st, a, vendor_id);
    mm_now_iso(a->recorded_at);
    rc = mm_store_prepare(st,
                          "INSERT INTO answer(version, sheet, vendor_id, item_id, round, scope, "
                          "value, checked_on, target_on, answerer, note, recorded_at) VALUES "
                          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (rc != MM_OK)
        goto out;
    mm_date_iso(&a->checked, d1);
    mm_date_iso(&a->target, d2);
    sqlite3_bind_int(s, 1, a->version);
    mm_bind_text(s, 2, mm_sheet_name(a->sheet));
    if (vendor_id)
        sqlite3_bind_int64(s, 3, vendor_id);
    else
        sqlite3_bind_null(s, 3);
    mm_bind_text(s, 4, a->item_id);
    sqlite3_bind_int(s, 5, a->round);
    mm_bind_text(s, 6, mm_scope_name(a->scope));
    mm_bind_text(s, 7, mm_answer_value_name(a->value));
    mm_bind_text(s, 8, d1);
    mm_bind_text(s, 9, a->has_target ? d2 : NULL);
    mm_bind_text(s, 10, a->answerer);
    mm_bind_text(s, 11, a->note ? a->note : "");
    mm_bind_text(s, 12, a->recorded_at);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "storing the answer");
        goto out;
    }
    a->id = (long)sqlite3_last_insert_rowid(mm_store_db(st));
    after = mm_answer_to_json(a);
    snprintf(entity, sizeof(entity), "answer:%ld", a->id);
    rc = mm_audit_append(st, actor, "answer.record", entity, before, after, NULL, err);
out:
    sqlite3_finalize(s);
    free(before);
    free(after);
    return rc;
}

mm_rc mm_answer_record(mm_store *st, const mm_catalog *cat, mm_answer *a, const char *actor,
                       mm_error *err)
{
    mm_rc rc = mm_store_begin(st, err);

    if (rc != MM_OK)
        return rc;
    rc = mm_answer_record_in_tx(st, cat, a, actor, err);
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
    return rc;
}

static const char answer_cols[] =
    "a.id, a.version, a.sheet, coalesce(v.name, ''), a.item_id, a.round, a.scope, a.value, "
    "a.checked_on, a.target_on, a.answerer, a.note, a.recorded_at";

static void row_to_answer(sqlite3_stmt *s, mm_answer *a)
{
    const char *target = (const char *)sqlite3_column_text(s, 9);

    memset(a, 0, sizeof(*a));
    a->id = (long)sqlite3_column_int64(s, 0);
    a->version = sqlite3_column_int(s, 1);
    mm_sheet_parse(mm_col_text(s, 2), &a->sheet);
    mm_strlcpy(a->vendor, mm_col_text(s, 3), sizeof(a->vendor));
    mm_strlcpy(a->item_id, mm_col_text(s, 4), sizeof(a->item_id));
    a->round = sqlite3_column_int(s, 5);
    mm_scope_parse(mm_col_text(s, 6), &a->scope);
    mm_answer_value_parse(mm_col_text(s, 7), &a->value);
    mm_date_parse(mm_col_text(s, 8), &a->checked, NULL);
    if (target && mm_date_parse(target, &a->target, NULL) == MM_OK)
        a->has_target = 1;
    mm_strlcpy(a->answerer, mm_col_text(s, 10), sizeof(a->answerer));
    a->note = mm_xstrdup(mm_col_text(s, 11));
    mm_strlcpy(a->recorded_at, mm_col_text(s, 12), sizeof(a->recorded_at));
}

static mm_rc query_list(mm_store *st, const char *sql, int version, mm_sheet_kind sheet,
                        const char *vendor, const char *item_id, mm_answer_list *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rcs;
    mm_rc rc = mm_store_prepare(st, sql, &s, err);

    out->v = NULL;
    out->n = 0;
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int(s, 1, version);
    mm_bind_text(s, 2, mm_sheet_name(sheet));
    mm_bind_text(s, 3, vendor);
    mm_bind_text(s, 4, item_id);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 32;
            out->v = mm_xrealloc(out->v, cap * sizeof(mm_answer));
        }
        row_to_answer(s, &out->v[out->n++]);
    }
    if (rcs != SQLITE_DONE) {
        rc = mm_store_error(st, err, "reading answers");
        mm_answer_list_release(out);
    }
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_answers_current(mm_store *st, int version, mm_sheet_kind sheet, const char *vendor,
                         mm_answer_list *out, mm_error *err)
{
    char sql[1024];

    snprintf(sql, sizeof(sql),
             "SELECT %s FROM answer a LEFT JOIN vendor v ON v.id = a.vendor_id "
             "WHERE a.version = ?1 AND a.sheet = ?2 AND (?3 IS NULL OR v.name = ?3) "
             "AND (?4 IS NULL OR a.item_id = ?4) "
             "AND a.id = (SELECT max(b.id) FROM answer b WHERE b.version = a.version AND "
             "b.sheet = a.sheet AND b.vendor_id IS a.vendor_id AND b.item_id = a.item_id AND "
             "b.round = a.round AND b.scope = a.scope) "
             "ORDER BY coalesce(v.name, ''), a.item_id, a.round, a.scope",
             answer_cols);
    return query_list(st, sql, version, sheet, vendor, NULL, out, err);
}

mm_rc mm_answers_history(mm_store *st, int version, mm_sheet_kind sheet, const char *vendor,
                         const char *item_id, mm_answer_list *out, mm_error *err)
{
    char sql[1024];

    snprintf(sql, sizeof(sql),
             "SELECT %s FROM answer a LEFT JOIN vendor v ON v.id = a.vendor_id "
             "WHERE a.version = ?1 AND a.sheet = ?2 AND (?3 IS NULL OR v.name = ?3) "
             "AND (?4 IS NULL OR a.item_id = ?4) ORDER BY a.id",
             answer_cols);
    return query_list(st, sql, version, sheet, vendor, item_id, out, err);
}

const mm_answer *mm_answer_find(const mm_answer_list *l, const char *vendor, const char *item_id,
                                int round, mm_scope scope)
{
    for (size_t i = 0; i < l->n; i++) {
        const mm_answer *a = &l->v[i];
        if (a->round == round && a->scope == scope && mm_streq(a->item_id, item_id) &&
            mm_streq(a->vendor, vendor ? vendor : ""))
            return a;
    }
    return NULL;
}

mm_rc mm_vendor_find(mm_store *st, const char *name, long *id, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(st, "SELECT id FROM vendor WHERE name = ?", &s, err);
    int r;

    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, name);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *id = (long)sqlite3_column_int64(s, 0);
    else if (r == SQLITE_DONE)
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                          "事業者「%s」は登録されていません (no such vendor: %s)", name, name);
    else
        rc = mm_store_error(st, err, "reading vendors");
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_vendor_add_in_tx(mm_store *st, const char *name, const char *actor, const char *via,
                          long *id, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char now[21], entity[64];
    mm_buf after;
    mm_rc rc = mm_vendor_find(st, name, id, err);

    if (rc != MM_ERR_NOTFOUND)
        return rc; /* already there, or an error */
    mm_buf_init(&after, 0);
    rc = mm_store_prepare(st, "INSERT INTO vendor(name, created_at) VALUES (?, ?)", &s, err);
    if (rc != MM_OK)
        goto out;
    mm_now_iso(now);
    mm_bind_text(s, 1, name);
    mm_bind_text(s, 2, now);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "adding the vendor");
        goto out;
    }
    *id = (long)sqlite3_last_insert_rowid(mm_store_db(st));
    snprintf(entity, sizeof(entity), "vendor:%ld", *id);
    mm_buf_adds(&after, "{\"name\":");
    mm_buf_add_json_str(&after, name);
    if (via) {
        mm_buf_adds(&after, ",\"via\":");
        mm_buf_add_json_str(&after, via);
    }
    mm_buf_addc(&after, '}');
    rc = mm_audit_append(st, actor, "vendor.add", entity, NULL, mm_buf_str(&after), NULL, err);
out:
    sqlite3_finalize(s);
    mm_buf_release(&after);
    return rc;
}

mm_rc mm_vendor_add(mm_store *st, const char *name_in, const char *actor, long *id, mm_error *err)
{
    char *name = mm_text_normalize(name_in);
    mm_rc rc;

    if (!name[0] || strlen(name) > 200 || strpbrk(name, "\r\n\t")) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                          "事業者名は 1〜200 バイトの1行の文字列です (vendor name must be one "
                          "line of 1 to 200 bytes)");
        goto done;
    }
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto done;
    rc = mm_vendor_add_in_tx(st, name, actor, NULL, id, err);
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
done:
    free(name);
    return rc;
}

mm_rc mm_vendor_list(mm_store *st, char ***names, size_t *n, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rcs;
    mm_rc rc = mm_store_prepare(st, "SELECT name FROM vendor ORDER BY name", &s, err);

    *names = NULL;
    *n = 0;
    if (rc != MM_OK)
        return rc;
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *names = mm_xrealloc(*names, cap * sizeof(char *));
        }
        (*names)[(*n)++] = mm_xstrdup(mm_col_text(s, 0));
    }
    if (rcs != SQLITE_DONE)
        rc = mm_store_error(st, err, "reading vendors");
    sqlite3_finalize(s);
    return rc;
}
