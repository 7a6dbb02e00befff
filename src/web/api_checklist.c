/*
 * Checklist routes: the facility, the dashboard summary, a sheet with its answers, verdicts,
 * conflicts and evidence, recording an answer (through mm_answer_record, so the web obeys the
 * same rules and writes the same audit entries as the CLI), and the findings. Vendor users
 * see and answer only their own vendor's sheet.
 */
#include "answer.h"
#include "evaluate.h"
#include "facility.h"
#include "report.h"
#include "report_json.h"
#include "logs.h"
#include "web_int.h"

int mm_api_facility(mm_req *r)
{
    mm_facility f;
    mm_error err;
    char *j;

    mm_error_clear(&err);
    if (mm_facility_get(r->web->st, &f, &err) != MM_OK)
        return mm_req_fail(r, &err);
    j = mm_facility_to_json(&f);
    mm_buf_adds(&r->out, j);
    mm_buf_addc(&r->out, '\n');
    free(j);
    return 200;
}

/* ?version= or the workspace default. 0 when malformed. */
static int req_version(mm_req *r)
{
    const char *v = mm_req_query(r, "version");
    long n;

    if (!v)
        return r->web->version;
    return mm_parse_long(v, 2023, 2099, &n) == MM_OK ? (int)n : 0;
}

/* The sheet (?sheet=, or vendor when ?vendor= names one) and vendor a request asks for; vendor
 * users get only their own vendor sheet (any other is 403 with forbidden). 0, or the error
 * status already answered. */
static int req_sheet(mm_req *r, int version, const char *sheet_s, const char **vendor,
                     mm_sheet_kind *sheet, const char *forbidden)
{
    if (!version)
        return mm_req_error(r, 400, "invalid", "version は 2025 のような年度です (bad version)");
    if (sheet_s && mm_sheet_parse(sheet_s, sheet) != MM_OK)
        return mm_req_error(r, 400, "invalid", "sheet は hospital か vendor です (bad sheet)");
    if (*vendor && **vendor)
        *sheet = MM_SHEET_VENDOR;
    if (r->user.role == MM_ROLE_VENDOR) {
        if ((sheet_s && *sheet != MM_SHEET_VENDOR) ||
            (*vendor && **vendor && strcmp(*vendor, r->user.vendor) != 0))
            return mm_req_error(r, 403, "forbidden", forbidden);
        *sheet = MM_SHEET_VENDOR;
        *vendor = r->user.vendor;
    }
    return 0;
}

/* The report set a user may see: vendor users get only their vendor's sheets. */
static int build_set(mm_req *r, int version, const char *only_vendor, mm_report_set **set)
{
    mm_error err;

    mm_error_clear(&err);
    if (r->user.role == MM_ROLE_VENDOR)
        only_vendor = r->user.vendor;
    if (mm_report_set_build(r->web->st, r->web->cat, version, only_vendor, set, &err) != MM_OK)
        return mm_req_fail(r, &err);
    return 0;
}

static int visible(const mm_req *r, const mm_report *rep)
{
    if (r->user.role != MM_ROLE_VENDOR)
        return 1;
    return rep->sheet->kind == MM_SHEET_VENDOR && strcmp(rep->vendor, r->user.vendor) == 0;
}

static void sheet_summary(mm_buf *b, const mm_report *rep)
{
    const mm_report_summary *s = &rep->summary;
    int section = -1, first = 1;

    mm_buf_addf(b, "{\"sheet\":\"%s\",\"vendor\":", mm_sheet_name(rep->sheet->kind));
    mm_jstr(b, rep->vendor);
    mm_buf_adds(b, ",\"sheet_label\":");
    mm_jstr(b, rep->sheet_label);
    mm_buf_addf(b,
                ",\"summary\":{\"rows\":%d,\"answered\":%d,\"yes\":%d,\"no\":%d,\"na\":%d,"
                "\"overdue\":%d,\"targets_open\":%d,\"conflicts\":%d},\"sections\":[",
                s->rows, s->answered, s->yes, s->no, s->na, s->overdue, s->targets_open,
                s->conflicts);
    /* Rows come ordered by section: count each section's run. */
    for (size_t i = 0; i < rep->nrows;) {
        int rows = 0, answered = 0, yes = 0, no = 0, na = 0;
        const char *title = rep->rows[i].section_title;
        section = rep->rows[i].item->section;
        for (; i < rep->nrows && rep->rows[i].item->section == section; i++) {
            const mm_report_row *row = &rep->rows[i];
            rows++;
            if (row->latest < 0)
                continue;
            answered++;
            switch (row->round[row->latest].value) {
            case MM_ANS_YES: yes++; break;
            case MM_ANS_NO: no++; break;
            case MM_ANS_NA: na++; break;
            }
        }
        mm_buf_addf(b, "%s{\"section\":%d,\"title\":", first ? "" : ",", section);
        mm_jstr(b, title ? title : "");
        mm_buf_addf(b, ",\"rows\":%d,\"answered\":%d,\"yes\":%d,\"no\":%d,\"na\":%d}", rows,
                    answered, yes, no, na);
        first = 0;
    }
    mm_buf_adds(b, "],\"overdue\":[");
    first = 1;
    for (size_t i = 0; i < rep->nrows; i++) {
        const mm_report_row *row = &rep->rows[i];
        char d[11];
        if (!row->overdue)
            continue;
        mm_date_iso(&row->round[row->latest].target, d);
        mm_buf_addf(b, "%s{\"id\":\"%s\",\"label\":", first ? "" : ",", row->item->id);
        mm_jstr(b, row->item->label);
        mm_buf_addf(b, ",\"scope\":\"%s\",\"target\":\"%s\"}", mm_scope_name(row->scope), d);
        first = 0;
    }
    mm_buf_adds(b, "],\"conflicts\":[");
    first = 1;
    for (size_t i = 0; i < rep->nrows; i++) {
        const mm_report_row *row = &rep->rows[i];
        if (!row->conflict)
            continue;
        mm_buf_addf(b, "%s{\"id\":\"%s\",\"label\":", first ? "" : ",", row->item->id);
        mm_jstr(b, row->item->label);
        mm_buf_adds(b, ",\"text\":");
        mm_jstr(b, row->conflict_text);
        mm_buf_addc(b, '}');
        first = 0;
    }
    mm_buf_adds(b, "],\"deadlines\":[");
    for (int i = 0; i < s->ndeadlines; i++) {
        char d[11];
        mm_date_iso(&s->deadlines[i].date, d);
        mm_buf_addf(b, "%s{\"item\":\"%s\",\"label\":", i ? "," : "", s->deadlines[i].item->id);
        mm_jstr(b, s->deadlines[i].item->label);
        mm_buf_addf(b, ",\"date\":\"%s\",\"days_left\":%ld,\"met\":%s}", d,
                    s->deadlines[i].days_left, s->deadlines[i].met ? "true" : "false");
    }
    mm_buf_adds(b, "]}");
}

int mm_api_dashboard(mm_req *r)
{
    mm_report_set *set = NULL;
    int version = req_version(r), status, first = 1;
    char today[11], key[768];
    char *fj;

    if (!version)
        return mm_req_error(r, 400, "invalid", "version は 2025 のような年度です (bad version)");
    mm_snprintf(key, sizeof(key), "dashboard|%d|%s|%s", version, mm_role_name(r->user.role),
                r->user.vendor);
    if (mm_web_cache_get(r, key))
        return 200;
    if ((status = build_set(r, version, NULL, &set)) != 0)
        return status;
    mm_date_iso(&set->today, today);
    fj = mm_facility_to_json(&set->facility);
    mm_buf_addf(&r->out, "{\"version\":%d,\"fiscal_year\":\"%s\",\"today\":\"%s\",\"facility\":%s",
                set->version, set->fy_label, today, fj);
    free(fj);
    mm_buf_addf(&r->out, ",\"findings_open\":%zu",
                r->user.role == MM_ROLE_VENDOR ? (size_t)0 : set->findings.n);
    if (r->user.role != MM_ROLE_VENDOR) { /* vendors see no alerts */
        mm_alert_filter f = {.open_only = 1, .min_severity = 2};
        long long n = 0;
        mm_error err;
        mm_error_clear(&err);
        if (mm_alerts_count(r->web->st, &f, &n, &err) != MM_OK) {
            mm_report_set_free(&set);
            mm_buf_reset(&r->out);
            return mm_req_fail(r, &err);
        }
        mm_buf_addf(&r->out, ",\"alerts_serious_open\":%lld", n);
    }
    mm_buf_adds(&r->out, ",\"sheets\":[");
    for (size_t i = 0; i < set->nreports; i++) {
        if (!visible(r, &set->reports[i]))
            continue;
        if (!first)
            mm_buf_addc(&r->out, ',');
        sheet_summary(&r->out, &set->reports[i]);
        first = 0;
    }
    mm_buf_adds(&r->out, "]}\n");
    mm_report_set_free(&set);
    mm_web_cache_put(r, key);
    return 200;
}

int mm_api_checklist(mm_req *r)
{
    const char *sheet_s = mm_req_query(r, "sheet"), *vendor = mm_req_query(r, "vendor");
    mm_sheet_kind sheet = MM_SHEET_HOSPITAL;
    mm_report_set *set = NULL;
    int version = req_version(r), status, shown = 0;
    char key[768];

    if ((status = req_sheet(
             r, version, sheet_s, &vendor, &sheet,
             "自社の事業者確認用シートだけを表示できます (vendors see only their own sheet)")) != 0)
        return status;
    if (!mm_catalog_sheet(r->web->cat, version, sheet))
        return mm_req_error(r, 404, "not_found", "その年度・シートはありません (no such sheet)");
    if (mm_snprintf(key, sizeof(key), "checklist|%d|%s|%s|%s|%s", version, mm_sheet_name(sheet),
                    vendor ? vendor : "", mm_role_name(r->user.role), r->user.vendor) != MM_OK)
        key[0] = '\0'; /* too long to cache */
    else if (mm_web_cache_get(r, key))
        return 200;
    if ((status = build_set(r, version, vendor && *vendor ? vendor : NULL, &set)) != 0)
        return status;
    mm_buf_addf(&r->out, "{\"version\":%d,\"sheets\":[", set->version);
    for (size_t i = 0; i < set->nreports; i++) {
        const mm_report *rep = &set->reports[i];
        if (rep->sheet->kind != sheet || !visible(r, rep))
            continue;
        if (shown++)
            mm_buf_addc(&r->out, ',');
        mm_report_json(&r->out, set, rep, MM_REPORT_JSON_FINDINGS);
    }
    mm_buf_adds(&r->out, "],\"vendors\":[");
    if (r->user.role == MM_ROLE_VENDOR) {
        mm_jstr(&r->out, r->user.vendor);
    } else {
        char **names = NULL;
        size_t n = 0;
        if (mm_vendor_list(r->web->st, &names, &n, NULL) == MM_OK) {
            for (size_t i = 0; i < n; i++) {
                if (i)
                    mm_buf_addc(&r->out, ',');
                mm_jstr(&r->out, names[i]);
                free(names[i]);
            }
            free(names);
        }
    }
    mm_buf_adds(&r->out, "]}\n");
    mm_report_set_free(&set);
    if (key[0])
        mm_web_cache_put(r, key);
    return 200;
}

int mm_api_answer(mm_req *r)
{
    const char *sheet_s = NULL, *vendor = NULL, *item = NULL, *value = NULL, *checked = NULL,
               *target = NULL, *scope = NULL, *note = NULL;
    json_t *round = json_object_get(r->json, "round"),
           *version = json_object_get(r->json, "version");
    mm_answer a;
    mm_error err;
    char *j;
    int status = 201;

    mm_error_clear(&err);
    memset(&a, 0, sizeof(a));
    if (mm_web_body_str(r->json, "sheet", 0, 16, &sheet_s, &err) != MM_OK ||
        mm_web_body_str(r->json, "vendor", 0, 255, &vendor, &err) != MM_OK ||
        mm_web_body_str(r->json, "item", 1, 31, &item, &err) != MM_OK ||
        mm_web_body_str(r->json, "answer", 1, 16, &value, &err) != MM_OK ||
        mm_web_body_str(r->json, "checked", 1, 10, &checked, &err) != MM_OK ||
        mm_web_body_str(r->json, "target", 0, 10, &target, &err) != MM_OK ||
        mm_web_body_str(r->json, "scope", 0, 16, &scope, &err) != MM_OK ||
        mm_web_body_str(r->json, "note", 0, 2000, &note, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if ((round && !json_is_null(round) && !json_is_integer(round)) ||
        (version && !json_is_null(version) && !json_is_integer(version)))
        return mm_req_error(r, 400, "invalid",
                            "round と version は整数です (round, version: integers)");
    a.version =
        version && json_is_integer(version) ? (int)json_integer_value(version) : r->web->version;
    a.round = round && json_is_integer(round) ? (int)json_integer_value(round) : 1;
    if (a.round != 1 && a.round != 2)
        return mm_req_error(r, 400, "invalid", "round は 1 か 2 です (round: 1 or 2)");
    a.sheet = MM_SHEET_HOSPITAL;
    if (sheet_s && mm_sheet_parse(sheet_s, &a.sheet) != MM_OK)
        return mm_req_error(r, 400, "invalid", "sheet は hospital か vendor です (bad sheet)");
    if ((vendor && *vendor) || (!sheet_s && r->user.role == MM_ROLE_VENDOR))
        a.sheet = MM_SHEET_VENDOR;
    /* Who may answer which sheet: the route lets admin, assessor and vendor in. */
    if (r->user.role == MM_ROLE_VENDOR) {
        if (a.sheet != MM_SHEET_VENDOR || (vendor && strcmp(vendor, r->user.vendor) != 0))
            return mm_req_error(r, 403, "forbidden",
                                "自社の事業者確認用シートだけに回答できます "
                                "(vendors answer only their own sheet)");
        vendor = r->user.vendor;
    } else if (r->user.role == MM_ROLE_ASSESSOR && a.sheet != MM_SHEET_HOSPITAL) {
        return mm_req_error(r, 403, "forbidden",
                            "評価担当は医療機関確認用シートに回答します "
                            "(assessors answer the hospital sheet)");
    }
    if (a.sheet == MM_SHEET_VENDOR)
        mm_strlcpy(a.vendor, vendor ? vendor : "", sizeof(a.vendor));
    mm_strlcpy(a.item_id, item, sizeof(a.item_id));
    a.scope = MM_SCOPE_ALL;
    if (scope && mm_scope_parse(scope, &a.scope) != MM_OK)
        return mm_req_error(r, 400, "invalid",
                            "scope は all, server, pc, network です (bad scope)");
    if (mm_answer_value_parse(value, &a.value) != MM_OK)
        return mm_req_error(r, 400, "invalid", "answer は yes, no, na です (answer: yes|no|na)");
    if (mm_date_parse(checked, &a.checked, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (target && *target) {
        if (mm_date_parse(target, &a.target, &err) != MM_OK)
            return mm_req_fail(r, &err);
        a.has_target = 1;
    }
    mm_strlcpy(a.answerer, r->user.name, sizeof(a.answerer));
    a.note = note ? mm_xstrdup(note) : NULL;
    if (mm_answer_record(r->web->st, r->web->cat, &a, r->user.name, &err) != MM_OK) {
        status = mm_req_fail(r, &err);
        goto out;
    }
    j = mm_answer_to_json(&a);
    mm_buf_addf(&r->out, "{\"ok\":true,\"answer\":%s}\n", j);
    free(j);
out:
    mm_answer_release(&a);
    return status;
}

int mm_api_findings(mm_req *r)
{
    const char *all = mm_req_query(r, "all"), *item = mm_req_query(r, "item");
    mm_finding_list l = {0};
    mm_error err;

    mm_error_clear(&err);
    if (mm_findings_list(r->web->st, item && *item ? item : NULL, all && strcmp(all, "1") == 0, &l,
                         &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_buf_adds(&r->out, "{\"findings\":[");
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            mm_buf_addc(&r->out, ',');
        mm_buf_addc(&r->out, '\n');
        mm_finding_json(&r->out, &l.v[i]);
    }
    mm_buf_adds(&r->out, "]}\n");
    mm_finding_list_release(&l);
    return 200;
}

/* The append-only history of one item's answers (who, when, answer, dates, note), oldest
 * first, as `mamori answers history`. Vendor users see only their own sheet's history. */
int mm_api_history(mm_req *r)
{
    const char *sheet_s = mm_req_query(r, "sheet"), *vendor = mm_req_query(r, "vendor");
    mm_sheet_kind sheet = MM_SHEET_HOSPITAL;
    const mm_sheet *sh;
    const mm_item *it;
    mm_answer_list l = {0};
    int version = req_version(r), status;
    mm_error err;

    mm_error_clear(&err);
    if ((status = req_sheet(r, version, sheet_s, &vendor, &sheet,
                            "自社の事業者確認用シートの履歴だけを表示できます (vendors see only "
                            "their own sheet's history)")) != 0)
        return status;
    if (!(sh = mm_catalog_sheet(r->web->cat, version, sheet)))
        return mm_req_error(r, 404, "not_found", "その年度・シートはありません (no such sheet)");
    if (!(it = mm_sheet_item(sh, r->params[0])))
        return mm_req_error(r, 404, "not_found", "その項番はありません (no such item)");
    if (mm_answers_history(r->web->st, version, sheet, vendor && *vendor ? vendor : NULL, it->id,
                           &l, &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_buf_addf(&r->out, "{\"version\":%d,\"sheet\":\"%s\",\"item\":\"%s\",\"label\":", version,
                mm_sheet_name(sheet), it->id);
    mm_jstr(&r->out, it->label);
    mm_buf_adds(&r->out, ",\"entries\":[");
    for (size_t i = 0; i < l.n; i++) {
        char *j = mm_answer_to_json(&l.v[i]);
        mm_buf_adds(&r->out, i ? ",\n" : "\n");
        mm_buf_adds(&r->out, j);
        free(j);
    }
    mm_buf_adds(&r->out, "]}\n");
    mm_answer_list_release(&l);
    return 200;
}
