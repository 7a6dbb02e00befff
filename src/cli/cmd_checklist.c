/*
 * `mamori checklist show`: the items of a sheet with their current answers, as text for a
 * terminal or JSON for scripts. It reads the same report model the report files use, so the
 * screen and the paper always agree.
 */
#include <getopt.h>
#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "report.h"
#include "report_json.h"

/* Under a conflicting row: the distinct evidence rows of its failing findings (at most 5), as
 * "file:line (label)", so the view shows what proves the conflict. */
static void evidence_text(mm_buf *b, const mm_finding_list *f, const mm_report_row *row)
{
    char seen[5][512];
    int shown = 0, more = 0;

    for (size_t i = 0; i < f->n; i++) {
        const mm_finding *x = &f->v[i];
        json_t *refs, *r;
        size_t k;
        if (x->resolved_at[0] || x->verdict != MM_VERDICT_FAIL ||
            !mm_streq(x->item_id, row->item->id) ||
            (x->scope != MM_SCOPE_ALL && x->scope != row->scope))
            continue;
        refs = json_loads(x->refs, 0, NULL);
        json_array_foreach(refs, k, r)
        {
            const char *file = json_string_value(json_object_get(r, "file"));
            const char *label = json_string_value(json_object_get(r, "label"));
            char line[512];
            int dup = 0;
            if (file && *file)
                snprintf(line, sizeof(line), "%s:%lld (%s)", file,
                         (long long)json_integer_value(json_object_get(r, "line")),
                         label ? label : "");
            else
                snprintf(line, sizeof(line), "%s #%lld (%s)",
                         json_string_value(json_object_get(r, "table")),
                         (long long)json_integer_value(json_object_get(r, "id")),
                         label ? label : "");
            for (int j = 0; j < shown && !dup; j++)
                dup = strcmp(seen[j], line) == 0;
            if (dup)
                continue;
            if (shown >= 5) {
                more++;
                continue;
            }
            mm_strlcpy(seen[shown++], line, sizeof(seen[0]));
            mm_buf_addf(b, "           証拠: %s\n", line);
        }
        json_decref(refs);
    }
    if (more)
        mm_buf_addf(b, "           … 他 %d 件: mamori findings --item %s\n", more, row->item->id);
}

static void check_text(mm_buf *b, const mm_report_check *c, int round)
{
    char d[11];

    if (!c->answered) {
        mm_buf_addf(b, "%d回目: 未回答", round);
        return;
    }
    mm_date_slash(&c->checked, d);
    mm_buf_addf(b, "%d回目: %s %s", round, mm_answer_value_label(c->value), d);
    if (c->has_target) {
        mm_date_slash(&c->target, d);
        mm_buf_addf(b, " (対応目標日 %s)", d);
    }
}

static void report_text(mm_buf *b, const mm_report_set *set, const mm_report *r, int guidance,
                        int en)
{
    const mm_report_summary *s = &r->summary;
    int section = -1;
    const char *group = NULL;

    mm_buf_addf(b, "%s — %s\n", r->title, r->sheet_label);
    mm_buf_addf(b, "施設: %s  %s  基準日: %s\n",
                set->facility.name[0] ? set->facility.name : "(未設定)", set->fy_label,
                set->generated);
    for (size_t i = 0; i < r->nrows; i++) {
        const mm_report_row *row = &r->rows[i];
        const mm_item *it = row->item;
        if (it->section != section) {
            section = it->section;
            group = NULL;
            mm_buf_addf(b, "\n%d %s\n", section, row->section_title);
        }
        if (row->group && !mm_streq(row->group, group)) {
            group = row->group;
            mm_buf_addf(b, "  〔%s〕\n", group);
        }
        mm_buf_addf(b, "  %-6s %s%s\n", it->label, it->text, it->draft ? "（案）" : "");
        mm_buf_addf(b, "         [%s] ", mm_scope_label(row->scope));
        check_text(b, &row->round[0], 1);
        mm_buf_adds(b, " / ");
        check_text(b, &row->round[1], 2);
        if (row->overdue)
            mm_buf_adds(b, "  ★対応目標日超過 (overdue)");
        mm_buf_addc(b, '\n');
        if (row->verdict != MM_VERDICT_NONE)
            mm_buf_addf(b, "         証拠による判定: %s\n", mm_verdict_label(row->verdict));
        if (row->conflict) {
            mm_buf_addf(b, "         ⚠ 矛盾 (conflict): %s\n", row->conflict_text);
            evidence_text(b, &set->findings, row);
        }
        if (row->note && row->note[0])
            mm_buf_addf(b, "         備考: %s\n", row->note);
        if (guidance) {
            const mm_strlist *g = en ? &it->guidance_en : &it->guidance_ja;
            for (size_t k = 0; k < g->n; k++)
                mm_buf_addf(b, "         ・%s\n", g->v[k]);
        }
    }
    mm_buf_addf(b,
                "\n集計: 回答済み %d/%d  はい %d  いいえ %d  該当なし %d  対応目標日超過 %d  "
                "証拠との矛盾 %d\n",
                s->answered, s->rows, s->yes, s->no, s->na, s->overdue, s->conflicts);
    for (int i = 0; i < s->ndeadlines; i++) {
        const mm_report_deadline *d = &s->deadlines[i];
        char ds[11];
        mm_date_slash(&d->date, ds);
        mm_buf_addf(b, "期限: %s %s%s%s%s まで 残り%ld日 — %s\n", d->item->label, ds,
                    d->item->deadline_label ? "（" : "",
                    d->item->deadline_label ? d->item->deadline_label : "",
                    d->item->deadline_label ? "）" : "", d->days_left,
                    d->met ? "達成 (met)" : "未達成 (not yet met)");
    }
}

int mm_cmd_checklist(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"version", required_argument, NULL, 'v'},
                                         {"sheet", required_argument, NULL, 'S'},
                                         {"vendor", required_argument, NULL, 'V'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"guidance", no_argument, NULL, 'g'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {0}};
    mm_sheet_kind sheet = MM_SHEET_HOSPITAL;
    const char *vendor = NULL;
    int version = 0, json = 0, guidance = 0, en = 0, c, code = MM_EXIT_OK, shown = 0;
    mm_report_set *set = NULL;
    mm_error err;
    mm_ws ws;
    mm_buf b;
    long v;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (mm_parse_long(optarg, 2023, 2099, &v) != MM_OK)
                return mm_cli_usage("checklist", "--version は 2025 のような年度です");
            version = (int)v;
            break;
        case 'S':
            if (mm_sheet_parse(optarg, &sheet) != MM_OK)
                return mm_cli_usage("checklist", "--sheet は hospital か vendor です");
            break;
        case 'V': vendor = optarg; break;
        case 'j': json = 1; break;
        case 'g': guidance = 1; break;
        case 'l':
            if (strcmp(optarg, "en") && strcmp(optarg, "ja"))
                return mm_cli_usage("checklist", "--lang は ja か en です");
            en = strcmp(optarg, "en") == 0;
            break;
        default: return mm_cli_usage("checklist", "unknown option");
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "show") != 0)
        return mm_cli_usage("checklist", "checklist show と指定してください");
    if (vendor)
        sheet = MM_SHEET_VENDOR;
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (!version)
        version = ws.default_version;
    if (!mm_catalog_sheet(ws.cat, version, sheet)) {
        mm_error_set(&err, MM_ERR_NOTFOUND, NULL, 0, 0,
                     "%d年度版の%sはありません (no %s sheet for version %d)", version,
                     mm_sheet_label(sheet), mm_sheet_name(sheet), version);
        code = mm_cli_fail(&err);
        goto out;
    }
    if (mm_report_set_build(ws.st, ws.cat, version, vendor, &set, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    mm_buf_init(&b, 0);
    if (json)
        mm_buf_adds(&b, "{\"sheets\":[");
    for (size_t i = 0; i < set->nreports; i++) {
        const mm_report *r = &set->reports[i];
        if (r->sheet->kind != sheet)
            continue;
        if (json) {
            if (shown)
                mm_buf_addc(&b, ',');
            mm_report_json(&b, set, r, 0);
        } else {
            if (shown)
                mm_buf_adds(&b, "\n────────────────────────────────────────\n\n");
            report_text(&b, set, r, guidance, en);
        }
        shown++;
    }
    if (json)
        mm_buf_adds(&b, "]}\n");
    if (!shown && !json)
        mm_buf_adds(&b, "事業者が登録されていません。`mamori vendor add NAME` で登録してください "
                        "(no vendors yet)\n");
    fputs(mm_buf_str(&b), stdout);
    mm_buf_release(&b);
out:
    mm_report_set_free(&set);
    mm_ws_close(&ws);
    return code;
}
