/*
 * The checklist model as JSON (report_json.h): moved here from `mamori checklist show` so the
 * CLI and the web API print the same rows from the same report set.
 */
#include "report_json.h"

static void check_json(mm_buf *b, const mm_report_check *c, int round)
{
    char d[11];

    mm_buf_addf(b, "{\"round\":%d,\"answered\":%s", round, c->answered ? "true" : "false");
    if (c->answered) {
        mm_date_iso(&c->checked, d);
        mm_buf_addf(b, ",\"answer\":\"%s\",\"label\":\"%s\",\"checked\":\"%s\"",
                    mm_answer_value_name(c->value), mm_answer_value_label(c->value), d);
        if (c->has_target) {
            mm_date_iso(&c->target, d);
            mm_buf_addf(b, ",\"target\":\"%s\"", d);
        }
        mm_buf_adds(b, ",\"answerer\":");
        mm_buf_add_json_str(b, c->answerer);
    }
    mm_buf_addc(b, '}');
}

static void strlist_json(mm_buf *b, const mm_strlist *l)
{
    mm_buf_addc(b, '[');
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            mm_buf_addc(b, ',');
        mm_buf_add_json_str(b, l->v[i]);
    }
    mm_buf_addc(b, ']');
}

static void intlist_json(mm_buf *b, const mm_intlist *l)
{
    mm_buf_addc(b, '[');
    for (size_t i = 0; i < l->n; i++)
        mm_buf_addf(b, "%s%d", i ? "," : "", l->v[i]);
    mm_buf_addc(b, ']');
}

void mm_report_json(mm_buf *b, const mm_report_set *set, const mm_report *r, unsigned flags)
{
    const mm_report_summary *s = &r->summary;

    mm_buf_addf(b,
                "{\"version\":%d,\"fiscal_year\":\"%s\",\"sheet\":\"%s\",\"vendor\":", set->version,
                set->fy_label, mm_sheet_name(r->sheet->kind));
    mm_buf_add_json_str(b, r->vendor);
    mm_buf_adds(b, ",\"title\":");
    mm_buf_add_json_str(b, r->title);
    mm_buf_adds(b, ",\"sheet_label\":");
    mm_buf_add_json_str(b, r->sheet_label);
    mm_buf_addf(b,
                ",\"summary\":{\"rows\":%d,\"answered\":%d,\"yes\":%d,\"no\":%d,\"na\":%d,"
                "\"overdue\":%d,\"targets_open\":%d,\"conflicts\":%d,\"deadlines\":[",
                s->rows, s->answered, s->yes, s->no, s->na, s->overdue, s->targets_open,
                s->conflicts);
    for (int i = 0; i < s->ndeadlines; i++) {
        char d[11];
        mm_date_iso(&s->deadlines[i].date, d);
        mm_buf_addf(b, "%s{\"item\":\"%s\",\"date\":\"%s\",\"days_left\":%ld,\"met\":%s}",
                    i ? "," : "", s->deadlines[i].item->id, d, s->deadlines[i].days_left,
                    s->deadlines[i].met ? "true" : "false");
    }
    mm_buf_adds(b, "]},\"rows\":[");
    for (size_t i = 0; i < r->nrows; i++) {
        const mm_report_row *row = &r->rows[i];
        const mm_item *it = row->item;
        mm_buf_addf(b, "%s\n{\"id\":\"%s\",\"label\":", i ? "," : "", it->id);
        mm_buf_add_json_str(b, it->label);
        mm_buf_addf(b, ",\"section\":%d,\"section_title\":", it->section);
        mm_buf_add_json_str(b, row->section_title);
        mm_buf_adds(b, ",\"group\":");
        if (row->group)
            mm_buf_add_json_str(b, row->group);
        else
            mm_buf_adds(b, "null");
        mm_buf_addf(b, ",\"scope\":\"%s\",\"scope_label\":", mm_scope_name(row->scope));
        mm_buf_add_json_str(b, mm_scope_label(row->scope));
        mm_buf_adds(b, ",\"text\":");
        mm_buf_add_json_str(b, it->text);
        mm_buf_addf(b, ",\"origin\":\"%s\"", it->draft ? "draft" : "official");
        mm_buf_adds(b, ",\"checks\":[");
        check_json(b, &row->round[0], 1);
        mm_buf_addc(b, ',');
        check_json(b, &row->round[1], 2);
        mm_buf_addf(b, "],\"overdue\":%s,\"verdict\":\"%s\",\"conflict\":",
                    row->overdue ? "true" : "false", mm_verdict_name(row->verdict));
        if (row->conflict)
            mm_buf_add_json_str(b, row->conflict_text);
        else
            mm_buf_adds(b, "null");
        mm_buf_adds(b, ",\"note\":");
        mm_buf_add_json_str(b, row->note ? row->note : "");
        if (it->has_deadline) {
            char d[11];
            mm_date_iso(&it->deadline, d);
            mm_buf_addf(b, ",\"deadline\":\"%s\"", d);
        }
        mm_buf_adds(b, ",\"chapters\":");
        intlist_json(b, &it->chapters);
        mm_buf_adds(b, ",\"gmis\":");
        intlist_json(b, &it->gmis);
        mm_buf_adds(b, ",\"guidance\":{\"ja\":");
        strlist_json(b, &it->guidance_ja);
        mm_buf_adds(b, ",\"en\":");
        strlist_json(b, &it->guidance_en);
        mm_buf_adds(b, "}");
        if (flags & MM_REPORT_JSON_FINDINGS) {
            int first = 1;
            mm_buf_adds(b, ",\"findings\":[");
            for (size_t k = 0; r->sheet->kind == MM_SHEET_HOSPITAL && k < set->findings.n; k++) {
                if (strcmp(set->findings.v[k].item_id, it->id) != 0)
                    continue;
                if (!first)
                    mm_buf_addc(b, ',');
                mm_finding_json(b, &set->findings.v[k]);
                first = 0;
            }
            mm_buf_addc(b, ']');
        }
        mm_buf_addc(b, '}');
    }
    mm_buf_adds(b, "]}");
}

void mm_finding_json(mm_buf *b, const mm_finding *f)
{
    mm_buf_addf(b, "{\"id\":%ld,\"item\":\"%s\",\"rule\":", f->id, f->item_id);
    mm_buf_add_json_str(b, f->rule);
    mm_buf_adds(b, ",\"subject\":");
    mm_buf_add_json_str(b, f->subject ? f->subject : "");
    mm_buf_addf(b, ",\"verdict\":\"%s\",\"verdict_label\":\"%s\",\"reason_ja\":",
                mm_verdict_name(f->verdict), mm_verdict_label(f->verdict));
    mm_buf_add_json_str(b, f->reason_ja ? f->reason_ja : "");
    mm_buf_adds(b, ",\"reason_en\":");
    mm_buf_add_json_str(b, f->reason_en ? f->reason_en : "");
    /* refs is JSON the evaluators wrote; embedded as is when it looks like an array. */
    mm_buf_adds(b, ",\"refs\":");
    mm_buf_adds(b, f->refs && f->refs[0] == '[' ? f->refs : "[]");
    mm_buf_addf(b, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"resolved_at\":", f->first_seen,
                f->last_seen);
    if (f->resolved_at[0])
        mm_buf_addf(b, "\"%s\"}", f->resolved_at);
    else
        mm_buf_adds(b, "null}");
}
