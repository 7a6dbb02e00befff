/*
 * The checklist report as one printable HTML5 page: every sheet as a section with the
 * official columns and its summary, inline CSS laid out for A4 landscape, no script and no
 * external resource, so the file can be mailed, archived or opened offline and printed from
 * any browser. All text goes through mm_buf_add_html.
 */
#include "buf.h"
#include "fs.h"
#include "report.h"

/* The table columns; `cls` sets the width in the stylesheet below. */
static const struct {
    const char *header, *cls;
} columns[] = {
    {"項番", "no"},           {"大項目", "sec"},     {"区分", "grp"},
    {"チェック項目", "text"}, {"対象", "scope"},     {"1回目 回答", "ans"},
    {"1回目 確認日", "date"}, {"2回目 回答", "ans"}, {"2回目 確認日", "date"},
    {"対応目標日", "date"},   {"備考", "note"},
};

static const char style[] =
    "@page{size:A4 landscape;margin:10mm}\n"
    "body{font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",Meiryo,sans-serif;"
    "font-size:10pt;color:#000;margin:1em}\n"
    "h1{font-size:14pt;margin:0 0 .2em}\n"
    "h2{font-size:12pt;margin:0 0 .3em}\n"
    "p.facility{margin:0 0 .6em}\n"
    "p.facility span{margin-right:1.2em;white-space:nowrap}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "table.checklist{table-layout:fixed}\n"
    "th,td{border:1px solid #555;padding:2px 4px;vertical-align:top;text-align:left;"
    "overflow-wrap:anywhere}\n"
    "thead th{background:#d9e1f2}\n"
    "col.no{width:3.5em}col.sec{width:7em}col.grp{width:7em}col.scope{width:4.5em}"
    "col.ans{width:4.5em}col.date{width:6.5em}col.note{width:12em}\n"
    "td.center{text-align:center}\n"
    "td.overdue{background:#ffc7ce;color:#9c0006;font-weight:bold}\n"
    "table.summary{width:auto;margin-top:.8em}\n"
    "table.summary caption{text-align:left;font-weight:bold}\n"
    "table.summary th{background:#f2f2f2;font-weight:normal}\n"
    "section.sheet{margin-bottom:2em}\n"
    "@media print{body{margin:0;font-size:8pt}section.sheet{break-after:page;margin:0}"
    "section.sheet:last-child{break-after:auto}thead{display:table-header-group}"
    "tr{break-inside:avoid}}\n";

/* Appends "<tag attrs>escaped</tag>". */
static mm_rc add_elem(mm_buf *b, const char *open, const char *text, const char *close)
{
    mm_rc rc = mm_buf_adds(b, open);

    if (rc == MM_OK)
        rc = mm_buf_add_html(b, text);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, close);
    return rc;
}

/* The facility line: 施設名, 種別, 病床数, 都道府県, 責任者, 作成日, 年度. */
static mm_rc add_facility(mm_buf *b, const mm_report_set *set)
{
    const mm_facility *f = &set->facility;
    char beds[32];
    mm_rc rc;

    if (f->beds >= 0)
        snprintf(beds, sizeof(beds), "%ld床", f->beds);
    else
        mm_strlcpy(beds, "—", sizeof(beds));
    rc = mm_buf_adds(b, "<p class=\"facility\">");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>施設名: ", f->name[0] ? f->name : "（未設定）", "</span>");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>種別: ", mm_facility_kind_label(f->kind), "</span>");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>病床数: ", beds, "</span>");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>都道府県: ", f->prefecture[0] ? f->prefecture : "—", "</span>");
    if (rc == MM_OK && f->manager[0])
        rc = add_elem(b, "<span>医療情報システム安全管理責任者: ", f->manager, "</span>");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>作成日: ", set->generated, "</span>");
    if (rc == MM_OK)
        rc = add_elem(b, "<span>", set->fy_label, "</span>");
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</p>\n");
    return rc;
}

/* One table row. */
static mm_rc add_row(mm_buf *b, const mm_report_row *row)
{
    char d1[11], d2[11], target[11];
    mm_rc rc;

    mm_report_check_date(&row->round[0], d1);
    mm_report_check_date(&row->round[1], d2);
    target[0] = '\0';
    if (row->latest >= 0)
        mm_report_check_target(&row->round[row->latest], target);
    rc = add_elem(b, "<tr><td class=\"center\">", row->item->label, "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td>", row->section_title ? row->section_title : "", "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td>", row->group ? row->group : "", "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td>", row->item->text, row->item->draft ? "（案）</td>" : "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td class=\"center\">", mm_scope_label(row->scope), "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td class=\"center\">", mm_report_check_value(&row->round[0]), "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td class=\"center\">", d1, "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td class=\"center\">", mm_report_check_value(&row->round[1]), "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td class=\"center\">", d2, "</td>");
    if (rc == MM_OK)
        rc = add_elem(b,
                      row->overdue ? "<td class=\"center overdue\" title=\"対応目標日超過\">"
                                   : "<td class=\"center\">",
                      target, "</td>");
    if (rc == MM_OK)
        rc = add_elem(b, "<td>", row->note ? row->note : "", "</td></tr>\n");
    return rc;
}

/* The summary block: counts, then the checklist's own deadlines. */
static mm_rc add_summary(mm_buf *b, const mm_report *r)
{
    const mm_report_summary *s = &r->summary;
    const struct {
        const char *label;
        int n;
    } counts[] = {
        {"はい", s->yes},
        {"いいえ", s->no},
        {"該当なし", s->na},
        {"対応目標日超過", s->overdue},
        {"対応中（対応目標日前）", s->targets_open},
    };
    mm_rc rc;

    rc = mm_buf_addf(b,
                     "<table class=\"summary\"><caption>集計</caption>\n"
                     "<tr><th>回答済み</th><td>%d/%d</td></tr>\n",
                     s->answered, s->rows);
    for (size_t i = 0; i < MM_ARRAY_LEN(counts) && rc == MM_OK; i++) {
        rc = add_elem(b, "<tr><th>", counts[i].label, "</th>");
        if (rc == MM_OK)
            rc = mm_buf_addf(b, "<td>%d</td></tr>\n", counts[i].n);
    }
    for (int i = 0; i < s->ndeadlines && rc == MM_OK; i++) {
        const mm_report_deadline *d = &s->deadlines[i];
        char date[11];
        mm_date_slash(&d->date, date);
        rc = add_elem(b, "<tr><th>", d->item->label, " 期限</th><td>");
        if (rc == MM_OK)
            rc = mm_buf_add_html(b, date);
        if (rc == MM_OK && d->item->deadline_label)
            rc = add_elem(b, "（", d->item->deadline_label, "）");
        if (rc == MM_OK)
            rc = d->days_left >= 0 ? mm_buf_addf(b, " 残り %ld日", d->days_left)
                                   : mm_buf_addf(b, " %ld日超過", -d->days_left);
        if (rc == MM_OK)
            rc = mm_buf_adds(b, d->met ? " / 達成</td></tr>\n" : " / 未達成</td></tr>\n");
    }
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</table>\n");
    return rc;
}

static mm_rc add_report(mm_buf *b, const mm_report_set *set, const mm_report *r)
{
    mm_rc rc = add_elem(b, "<section class=\"sheet\">\n<h1>", r->title, "</h1>\n");

    if (rc == MM_OK)
        rc = add_elem(b, "<h2>", r->sheet_label, "</h2>\n");
    if (rc == MM_OK)
        rc = add_facility(b, set);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "<table class=\"checklist\">\n<colgroup>");
    for (size_t i = 0; i < MM_ARRAY_LEN(columns) && rc == MM_OK; i++)
        rc = mm_buf_addf(b, "<col class=\"%s\">", columns[i].cls);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</colgroup>\n<thead><tr>");
    for (size_t i = 0; i < MM_ARRAY_LEN(columns) && rc == MM_OK; i++)
        rc = add_elem(b, "<th>", columns[i].header, "</th>");
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < r->nrows && rc == MM_OK; k++)
        rc = add_row(b, &r->rows[k]);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tbody>\n</table>\n");
    if (rc == MM_OK)
        rc = add_summary(b, r);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</section>\n");
    return rc;
}

mm_rc mm_report_write_html(const mm_report_set *set, const char *path, mm_error *err)
{
    mm_buf b;
    mm_rc rc;

    mm_buf_init(&b, 0);
    rc = mm_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                         "'none'; style-src 'unsafe-inline'\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width\">\n");
    if (rc == MM_OK)
        rc = add_elem(&b, "<title>", set->nreports ? set->reports[0].title : "", "");
    if (rc == MM_OK && set->facility.name[0])
        rc = add_elem(&b, " — ", set->facility.name, "");
    if (rc == MM_OK)
        rc = mm_buf_addf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
    for (size_t i = 0; i < set->nreports && rc == MM_OK; i++)
        rc = add_report(&b, set, &set->reports[i]);
    if (rc == MM_OK)
        rc = mm_buf_adds(&b, "</body>\n</html>\n");
    if (rc != MM_OK)
        rc = mm_error_set(err, rc, path, 0, 0, "報告書が大きすぎます (report too large)");
    else
        rc = mm_file_write_atomic(path, mm_buf_str(&b), b.len, 0644, err);
    mm_buf_release(&b);
    return rc;
}
