/*
 * The checklist report as one printable HTML5 page: every sheet as a section with the
 * official columns (the hospital sheet also the machine's verdict and the conflict with the
 * answer) and its summary, then the evidence appendix 証拠（評価結果）, inline CSS laid out for A4
 * landscape, no script and no external resource, so the file can be mailed, archived or opened
 * offline and printed from any browser. All text goes through mm_buf_add_html.
 */
#include "buf.h"
#include "fs.h"
#include "report_int.h"

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
    "col.ans{width:4.5em}col.date{width:6.5em}col.note{width:12em}col.verdict{width:5em}"
    "col.conflict{width:12em}col.refs{width:18em}\n"
    "td.center{text-align:center}\n"
    "td.overdue{background:#ffc7ce;color:#9c0006;font-weight:bold}\n"
    "td.fail{color:#9c0006;font-weight:bold}\n"
    "td.conflict{background:#ffd8a8;color:#833c00}\n"
    "td.refs{white-space:pre-line}\n"
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
    mm_report_kv kv[MM_REPORT_MAX_KV];
    size_t n = mm_report_facility_fields(set, kv);
    mm_rc rc = mm_buf_adds(b, "<p class=\"facility\">");

    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = add_elem(b, "<span>", kv[i].key_full, kv[i].key_full[0] ? ": " : "");
        if (rc == MM_OK)
            rc = add_elem(b, "", kv[i].val, "</span>");
    }
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</p>\n");
    return rc;
}

/* The opening tag of a cell: centred, and marked when overdue, failing or in conflict. */
static const char *cell_open(const mm_report_row *row, size_t c)
{
    if (c == MM_RCOL_TARGET && row->overdue)
        return "<td class=\"center overdue\" title=\"対応目標日超過\">";
    if (c == MM_RCOL_VERDICT && row->verdict == MM_VERDICT_FAIL)
        return "<td class=\"center fail\">";
    if (c == MM_RCOL_CONFLICT && row->conflict)
        return "<td class=\"conflict\">";
    return mm_report_columns[c].center ? "<td class=\"center\">" : "<td>";
}

/* One table row, its first ncols columns. */
static mm_rc add_row(mm_buf *b, const mm_report_row *row, size_t ncols)
{
    mm_report_cells cells;
    mm_rc rc = mm_buf_adds(b, "<tr>");

    mm_report_row_cells(row, &cells);
    for (size_t c = 0; c < ncols && rc == MM_OK; c++)
        rc = add_elem(b, cell_open(row, c), cells.v[c], "</td>");
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tr>\n");
    return rc;
}

/* <colgroup> and <thead> of a table with the given columns. */
static mm_rc add_table_head(mm_buf *b, const char *cls, const mm_report_column *cols, size_t n)
{
    mm_rc rc = mm_buf_addf(b, "<table class=\"%s\">\n<colgroup>", cls);

    for (size_t i = 0; i < n && rc == MM_OK; i++)
        rc = mm_buf_addf(b, "<col class=\"%s\">", cols[i].html_class);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</colgroup>\n<thead><tr>");
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        rc = add_elem(b, "<th>", cols[i].header, "</th>");
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tr></thead>\n<tbody>\n");
    return rc;
}

/* The summary block: counts, conflicts, then the checklist's own deadlines. */
static mm_rc add_summary(mm_buf *b, const mm_report *r)
{
    mm_report_kv kv[MM_REPORT_MAX_KV];
    size_t n = mm_report_summary_lines(r, kv);
    mm_rc rc = mm_buf_adds(b, "<table class=\"summary\"><caption>集計</caption>\n");

    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = add_elem(b, "<tr><th>", kv[i].key_full, "</th>");
        if (rc == MM_OK)
            rc = add_elem(b, "<td>", kv[i].val, "</td></tr>\n");
    }
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</table>\n");
    return rc;
}

/* The head of a section: title, sheet label, facility line. */
static mm_rc add_head(mm_buf *b, const mm_report_set *set, const char *title, const char *label)
{
    mm_rc rc = add_elem(b, "<h1>", title, "</h1>\n");

    if (rc == MM_OK)
        rc = add_elem(b, "<h2>", label, "</h2>\n");
    if (rc == MM_OK)
        rc = add_facility(b, set);
    return rc;
}

static mm_rc add_report(mm_buf *b, const mm_report_set *set, const mm_report *r)
{
    size_t ncols = mm_report_ncols(r);
    mm_rc rc = mm_buf_adds(b, "<section class=\"sheet\">\n");

    if (rc == MM_OK)
        rc = add_head(b, set, r->title, r->sheet_label);
    if (rc == MM_OK)
        rc = add_table_head(b, "checklist", mm_report_columns, ncols);
    for (size_t k = 0; k < r->nrows && rc == MM_OK; k++)
        rc = add_row(b, &r->rows[k], ncols);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tbody>\n</table>\n");
    if (rc == MM_OK)
        rc = add_summary(b, r);
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</section>\n");
    return rc;
}

/* The evidence appendix: one row per open finding, or a line saying there are none. */
static mm_rc add_appendix(mm_buf *b, const mm_report_set *set)
{
    mm_rc rc = mm_buf_adds(b, "<section class=\"sheet evidence\">\n");

    if (rc == MM_OK)
        rc = add_head(b, set, set->nreports ? set->reports[0].title : "", MM_REPORT_APPENDIX_TITLE);
    if (rc == MM_OK && set->findings.n == 0)
        rc = add_elem(b, "<p>", MM_REPORT_APPENDIX_EMPTY, "</p>\n</section>\n");
    if (rc != MM_OK || set->findings.n == 0)
        return rc;
    rc = add_table_head(b, "checklist findings", mm_report_fcolumns, MM_FCOL_COUNT);
    for (size_t i = 0; i < set->findings.n && rc == MM_OK; i++) {
        const mm_finding *f = &set->findings.v[i];
        mm_report_fcells cells;
        rc = mm_report_finding_cells(set, f, &cells);
        if (rc == MM_OK)
            rc = mm_buf_adds(b, "<tr>");
        for (size_t c = 0; c < MM_FCOL_COUNT && rc == MM_OK; c++) {
            const char *open = "<td>";
            if (c == MM_FCOL_VERDICT && f->verdict == MM_VERDICT_FAIL)
                open = "<td class=\"center fail\">";
            else if (c == MM_FCOL_REFS)
                open = "<td class=\"refs\">";
            else if (mm_report_fcolumns[c].center)
                open = "<td class=\"center\">";
            rc = add_elem(b, open, cells.v[c], "</td>");
        }
        if (rc == MM_OK)
            rc = mm_buf_adds(b, "</tr>\n");
        mm_report_fcells_release(&cells);
    }
    if (rc == MM_OK)
        rc = mm_buf_adds(b, "</tbody>\n</table>\n</section>\n");
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
    if (rc == MM_OK && !set->vendor_only)
        rc = add_appendix(&b, set);
    if (rc == MM_OK)
        rc = mm_buf_adds(&b, "</body>\n</html>\n");
    if (rc != MM_OK)
        rc = mm_error_set(err, rc, path, 0, 0, "報告書が大きすぎます (report too large)");
    else
        rc = mm_file_write_atomic(path, mm_buf_str(&b), b.len, 0644, err);
    mm_buf_release(&b);
    return rc;
}
