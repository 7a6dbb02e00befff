/*
 * The texts every report format prints, decided once: the column table, a row's cells, the
 * facility line, the summary lines and the rows of the evidence appendix (report_int.h). The
 * writers only lay these out, so the XLSX, PDF, HTML and CSV of one run cannot drift apart.
 */
#include <jansson.h>

#include "report_int.h"
#include "text.h"

const mm_report_column mm_report_columns[MM_RCOL_COUNT] = {
    [MM_RCOL_NO] = {"項番", "項番", 6, 32, "no", 1},
    [MM_RCOL_SECTION] = {"大項目", "大項目", 14, 64, "sec", 0},
    [MM_RCOL_GROUP] = {"区分", "区分", 14, 64, "grp", 0},
    [MM_RCOL_TEXT] = {"チェック項目", "チェック項目", 50, 236, "text", 0},
    [MM_RCOL_SCOPE] = {"対象", "対象", 9, 46, "scope", 1},
    [MM_RCOL_ANS1] = {"1回目 回答", "1回目\n回答", 8, 38, "ans", 1},
    [MM_RCOL_DATE1] = {"1回目 確認日", "1回目\n確認日", 11, 50, "date", 1},
    [MM_RCOL_ANS2] = {"2回目 回答", "2回目\n回答", 8, 38, "ans", 1},
    [MM_RCOL_DATE2] = {"2回目 確認日", "2回目\n確認日", 11, 50, "date", 1},
    [MM_RCOL_TARGET] = {"対応目標日", "対応目標日", 11, 50, "date", 1},
    [MM_RCOL_NOTE] = {"備考", "備考", 30, 0, "note", 0},
    [MM_RCOL_VERDICT] = {"証拠による判定", "証拠\n判定", 10, 38, "verdict", 1},
    /* The PDF has no room for the sentence: its 判定 cell carries the ⚠ mark instead. */
    [MM_RCOL_CONFLICT] = {"矛盾", NULL, 40, 0, "conflict", 0},
};

const mm_report_column mm_report_fcolumns[MM_FCOL_COUNT] = {
    [MM_FCOL_ITEM] = {"項番", "項番", 6, 32, "no", 1},
    [MM_FCOL_VERDICT] = {"判定", "判定", 9, 40, "verdict", 1},
    [MM_FCOL_JA] = {"内容", "内容", 50, 0, "reason", 0},
    [MM_FCOL_EN] = {"Reason", NULL, 50, 0, "reason", 0},
    [MM_FCOL_REFS] = {"証拠", "証拠", 40, 260, "refs", 0},
    [MM_FCOL_FIRST] = {"初回検出", NULL, 11, 0, "date", 1},
    [MM_FCOL_LAST] = {"最終確認", NULL, 11, 0, "date", 1},
};

size_t mm_report_ncols(const mm_report *r)
{
    return r->sheet->kind == MM_SHEET_HOSPITAL ? MM_RCOL_COUNT : MM_RCOL_OFFICIAL;
}

void mm_report_row_cells(const mm_report_row *row, mm_report_cells *c)
{
    mm_report_check_date(&row->round[0], c->d1);
    mm_report_check_date(&row->round[1], c->d2);
    c->target[0] = '\0';
    if (row->latest >= 0)
        mm_report_check_target(&row->round[row->latest], c->target);
    snprintf(c->text, sizeof(c->text), "%s%s", row->item->text, row->item->draft ? "（案）" : "");
    c->v[MM_RCOL_NO] = row->item->label;
    c->v[MM_RCOL_SECTION] = row->section_title ? row->section_title : "";
    c->v[MM_RCOL_GROUP] = row->group ? row->group : "";
    c->v[MM_RCOL_TEXT] = c->text;
    c->v[MM_RCOL_SCOPE] = mm_scope_label(row->scope);
    c->v[MM_RCOL_ANS1] = mm_report_check_value(&row->round[0]);
    c->v[MM_RCOL_DATE1] = c->d1;
    c->v[MM_RCOL_ANS2] = mm_report_check_value(&row->round[1]);
    c->v[MM_RCOL_DATE2] = c->d2;
    c->v[MM_RCOL_TARGET] = c->target;
    c->v[MM_RCOL_NOTE] = row->note ? row->note : "";
    c->v[MM_RCOL_VERDICT] = row->verdict == MM_VERDICT_NONE ? "" : mm_verdict_label(row->verdict);
    c->v[MM_RCOL_CONFLICT] = row->conflict ? row->conflict_text : "";
}

/* Sets out->key (and key_full) and returns out->val for the caller to fill. */
static char *kv_start(mm_report_kv *out, const char *key, const char *key_full)
{
    memset(out, 0, sizeof(*out));
    out->key = key;
    out->key_full = key_full ? key_full : key;
    out->unit = "";
    return out->val;
}

static void kv_count(mm_report_kv *out, const char *key, long n, const char *unit)
{
    kv_start(out, key, NULL);
    out->numeric = 1;
    out->n = n;
    out->unit = unit;
    snprintf(out->val, sizeof(out->val), "%ld%s", n, unit);
}

size_t mm_report_facility_fields(const mm_report_set *set, mm_report_kv out[MM_REPORT_MAX_KV])
{
    const mm_facility *f = &set->facility;
    size_t n = 0;

    mm_strlcpy(kv_start(&out[n++], "施設名", NULL), f->name[0] ? f->name : "（未設定）",
               sizeof(out->val));
    mm_strlcpy(kv_start(&out[n++], "種別", NULL), mm_facility_kind_label(f->kind),
               sizeof(out->val));
    if (f->beds >= 0)
        snprintf(kv_start(&out[n++], "病床数", NULL), sizeof(out->val), "%ld床", f->beds);
    else
        mm_strlcpy(kv_start(&out[n++], "病床数", NULL), "—", sizeof(out->val));
    mm_strlcpy(kv_start(&out[n++], "都道府県", NULL), f->prefecture[0] ? f->prefecture : "—",
               sizeof(out->val));
    if (f->manager[0])
        mm_strlcpy(kv_start(&out[n++], "責任者", "医療情報システム安全管理責任者"), f->manager,
                   sizeof(out->val));
    mm_strlcpy(kv_start(&out[n++], "作成日", NULL), set->generated, sizeof(out->val));
    mm_strlcpy(kv_start(&out[n++], "", NULL), set->fy_label, sizeof(out->val));
    return n;
}

void mm_report_facility_line(const mm_report_set *set, char *out, size_t outsz)
{
    mm_report_kv kv[MM_REPORT_MAX_KV];
    size_t n = mm_report_facility_fields(set, kv), o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && o < outsz; i++) {
        int w = snprintf(out + o, outsz - o, "%s%s%s%s", i ? "　" : "", kv[i].key,
                         kv[i].key[0] ? ": " : "", kv[i].val);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

size_t mm_report_summary_lines(const mm_report *r, mm_report_kv out[MM_REPORT_MAX_KV])
{
    const mm_report_summary *s = &r->summary;
    size_t n = 0;

    snprintf(kv_start(&out[n++], "回答済み", NULL), sizeof(out->val), "%d/%d", s->answered,
             s->rows);
    kv_count(&out[n++], "はい", s->yes, "");
    kv_count(&out[n++], "いいえ", s->no, "");
    kv_count(&out[n++], "該当なし", s->na, "");
    kv_count(&out[n++], "対応目標日超過", s->overdue, "");
    kv_count(&out[n++], "対応中（対応目標日前）", s->targets_open, "");
    if (mm_report_ncols(r) > MM_RCOL_OFFICIAL)
        kv_count(&out[n++], "証拠との矛盾", s->conflicts, " 件");
    if (r->audit_anchor[0])
        mm_strlcpy(kv_start(&out[n++], "監査記録の控え",
                            "監査記録の控え（mamori audit verify --anchor で照合）"),
                   r->audit_anchor, sizeof(out->val));
    for (int i = 0; i < s->ndeadlines && n < MM_REPORT_MAX_KV; i++) {
        const mm_report_deadline *d = &s->deadlines[i];
        const char *dl = d->item->deadline_label;
        mm_report_kv *kv = &out[n++];
        char date[11], left[64];
        mm_date_slash(&d->date, date);
        if (d->days_left >= 0)
            snprintf(left, sizeof(left), "残り %ld日", d->days_left);
        else
            snprintf(left, sizeof(left), "%ld日超過", -d->days_left);
        kv_start(kv, NULL, NULL);
        snprintf(kv->kbuf, sizeof(kv->kbuf), "%s 期限", d->item->label);
        kv->key = kv->key_full = kv->kbuf;
        snprintf(kv->val, sizeof(kv->val), "%s%s%s%s %s / %s", date, dl ? "（" : "", dl ? dl : "",
                 dl ? "）" : "", left, d->met ? "達成" : "未達成");
    }
    return n;
}

/* The 確認 date of a stored timestamp ("2025-11-20T16:00:00Z", UTC) as YYYY/MM/DD in Japan
 * (JST, like mm_date_today); "" when it is not one. */
static void seen_date(const char *iso, char out[11])
{
    mm_date d;
    mm_error err;
    char day[11];
    long hour;

    out[0] = '\0';
    if (strlen(iso) < 10)
        return;
    memcpy(day, iso, 10);
    day[10] = '\0';
    if (mm_date_parse(day, &d, &err) != MM_OK)
        return;
    if (iso[10] == 'T' && iso[11] >= '0' && iso[11] <= '9' && iso[12] >= '0' && iso[12] <= '9') {
        hour = (iso[11] - '0') * 10 + (iso[12] - '0');
        if (hour + 9 >= 24)
            d = mm_date_from_days(mm_date_to_days(&d) + 1);
    }
    mm_date_slash(&d, out);
}

mm_rc mm_report_refs_text(const char *refs, mm_buf *out)
{
    json_error_t jerr;
    json_t *arr = refs && refs[0] ? json_loads(refs, 0, &jerr) : NULL, *r;
    size_t i;
    mm_rc rc = MM_OK;

    if (!json_is_array(arr))
        goto out;
    json_array_foreach(arr, i, r)
    {
        const char *file = json_string_value(json_object_get(r, "file"));
        const char *label = json_string_value(json_object_get(r, "label"));
        const char *table = json_string_value(json_object_get(r, "table"));
        json_int_t line = json_integer_value(json_object_get(r, "line"));
        if (i > 0)
            rc = mm_buf_addc(out, '\n');
        if (rc == MM_OK && i >= MM_REPORT_MAX_REFS) {
            rc = mm_buf_addf(out, "… 他 %zu 件", json_array_size(arr) - MM_REPORT_MAX_REFS);
            break;
        }
        if (rc == MM_OK && file && file[0])
            rc = line > 0 ? mm_buf_addf(out, "%s:%lld", file, (long long)line)
                          : mm_buf_adds(out, file);
        else if (rc == MM_OK)
            rc = mm_buf_addf(out, "%s #%lld", table ? table : "?",
                             (long long)json_integer_value(json_object_get(r, "id")));
        if (rc == MM_OK && label && label[0])
            rc = mm_buf_addf(out, " (%s)", label);
        if (rc != MM_OK)
            break;
    }
out:
    json_decref(arr);
    return rc;
}

mm_rc mm_report_finding_cells(const mm_report_set *set, const mm_finding *f, mm_report_fcells *c)
{
    const mm_item *item = NULL;

    memset(c, 0, sizeof(*c));
    mm_buf_init(&c->refs, 0);
    if (set->nreports > 0)
        item = mm_sheet_item(set->reports[0].sheet, f->item_id);
    seen_date(f->first_seen, c->first);
    seen_date(f->last_seen, c->last);
    c->v[MM_FCOL_ITEM] = item ? item->label : f->item_id;
    c->v[MM_FCOL_VERDICT] = mm_verdict_label(f->verdict);
    c->v[MM_FCOL_JA] = f->reason_ja ? f->reason_ja : "";
    c->v[MM_FCOL_EN] = f->reason_en ? f->reason_en : "";
    c->v[MM_FCOL_FIRST] = c->first;
    c->v[MM_FCOL_LAST] = c->last;
    c->v[MM_FCOL_REFS] = "";
    if (mm_report_refs_text(f->refs, &c->refs) != MM_OK)
        return MM_ERR_NOMEM;
    c->v[MM_FCOL_REFS] = mm_buf_str(&c->refs);
    return MM_OK;
}

void mm_report_fcells_release(mm_report_fcells *c)
{
    mm_buf_release(&c->refs);
}
