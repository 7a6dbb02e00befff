/*
 * The checklist report as an Excel workbook in the official sheet layout, because Excel is
 * what officials and inspectors use: one worksheet per sheet (医療機関確認用, then one per
 * vendor), a title and facility block, the official columns with one row per item and scope
 * (the hospital sheet adds the machine's verdict and the conflict with the answer), a summary
 * block, and a last worksheet 証拠（評価結果） listing the evaluators' open findings. Dates are
 * written as text (YYYY/MM/DD) so they read the same in any locale. Written with libxlsxwriter to a
 * temporary file beside the target, then fsynced and renamed, so the target is either the old
 * workbook or the whole new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "report_int.h"
#include "text.h"

#define XLSX_FONT "游ゴシック"
#define XLSX_FONT_SIZE 10
#define XLSX_LINE_PT 15.0     /* row height per wrapped line at XLSX_FONT_SIZE */
#define XLSX_MAX_ROW_PT 409.0 /* Excel's largest row height */
#define XLSX_HEADER_ROW 4     /* 0 title, 1 sheet label, 2 facility, 3 blank, 4 column headings */

#define COL(c) ((lxw_col_t)(c))

typedef struct xlsx_ctx {
    lxw_workbook *wb;
    lxw_error lerr; /* first libxlsxwriter error; later writes are skipped */
    lxw_format *title, *label, *plain, *head, *cell, *center, *overdue, *conflict, *fail, *sum_key,
        *sum_val, *sum_count;
} xlsx_ctx;

static void check(xlsx_ctx *x, lxw_error e)
{
    if (x->lerr == LXW_NO_ERROR)
        x->lerr = e;
}

static void put(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                lxw_format *f)
{
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_write_string(ws, r, c, s, f));
}

static void put_number(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                       lxw_format *f)
{
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_write_number(ws, r, c, v, f));
}

static void put_merged(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c1, lxw_col_t c2,
                       const char *s, lxw_format *f)
{
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_merge_range(ws, r, c1, r, c2, s, f));
}

static lxw_format *new_format(lxw_workbook *wb, double size, int bold, int border, int wrap,
                              uint8_t align)
{
    lxw_format *f = workbook_add_format(wb);

    format_set_font_name(f, XLSX_FONT);
    format_set_font_size(f, size);
    if (bold)
        format_set_bold(f);
    if (border)
        format_set_border(f, LXW_BORDER_THIN);
    if (wrap)
        format_set_text_wrap(f);
    if (align)
        format_set_align(f, align);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

static void make_formats(xlsx_ctx *x)
{
    x->title = new_format(x->wb, 14, 1, 0, 0, 0);
    x->label = new_format(x->wb, 12, 1, 0, 0, 0);
    x->plain = new_format(x->wb, XLSX_FONT_SIZE, 0, 0, 0, 0);
    x->head = new_format(x->wb, XLSX_FONT_SIZE, 1, 1, 1, LXW_ALIGN_CENTER);
    format_set_align(x->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(x->head, 0xD9E1F2);
    x->cell = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 1, 0);
    x->center = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 1, LXW_ALIGN_CENTER);
    x->overdue = new_format(x->wb, XLSX_FONT_SIZE, 1, 1, 1, LXW_ALIGN_CENTER);
    format_set_bg_color(x->overdue, 0xFFC7CE);
    format_set_font_color(x->overdue, 0x9C0006);
    x->sum_key = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 0, 0);
    format_set_bg_color(x->sum_key, 0xF2F2F2);
    x->sum_val = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 0, LXW_ALIGN_LEFT);
    x->sum_count = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 0, LXW_ALIGN_LEFT);
    format_set_num_format(x->sum_count, "0\" 件\"");
    /* Evidence contradicts the answer: orange, like Excel's "neutral" warning. */
    x->conflict = new_format(x->wb, XLSX_FONT_SIZE, 0, 1, 1, 0);
    format_set_bg_color(x->conflict, 0xFFD8A8);
    format_set_font_color(x->conflict, 0x833C00);
    x->fail = new_format(x->wb, XLSX_FONT_SIZE, 1, 1, 1, LXW_ALIGN_CENTER);
    format_set_font_color(x->fail, 0x9C0006);
}

/* Display width of s in Excel character units (full-width characters count about two). */
static double text_units(const char *s, size_t len)
{
    double u = 0;
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        if (!mm_utf8_next(s, len, &i, &cp)) {
            i++;
            cp = '?';
        }
        u += (cp < 0x80 || (cp >= 0xFF61 && cp <= 0xFF9F)) ? 1.1 : 2.0;
    }
    return u;
}

/* Lines s takes when wrapped in a column of the given width (explicit newlines count). */
static int text_lines(const char *s, double width)
{
    double usable = width > 2 ? width - 1.5 : 1;
    int lines = 0;

    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        double u = text_units(s, len);
        lines += u > 0 ? (int)((u + usable - 0.01) / usable) : 1;
        if (!nl)
            break;
        s = nl + 1;
    }
    return lines;
}

/*
 * Worksheet name for a report: "医療機関確認用" or "事業者確認用_<vendor>" with the characters
 * Excel forbids ([]:*?/\) replaced by "_", cut to 31 characters (UTF-16 units, as Excel
 * counts), and made unique among the names already taken with a "_2", "_3"… suffix.
 */
static void sheet_name(const mm_report *r, char names[][LXW_MAX_SHEETNAME_LENGTH], size_t taken,
                       char *out)
{
    char base[LXW_MAX_SHEETNAME_LENGTH], cand[LXW_MAX_SHEETNAME_LENGTH];
    char full[1024];
    size_t i = 0, o = 0, len;
    int units = 0;
    uint32_t cp;

    if (r->vendor[0])
        snprintf(full, sizeof(full), "%s_%s", mm_sheet_label(MM_SHEET_VENDOR), r->vendor);
    else
        snprintf(full, sizeof(full), "%s", mm_sheet_label(r->sheet->kind));
    len = strlen(full);
    while (i < len) {
        size_t at = i;
        char enc[5];
        int w;
        if (!mm_utf8_next(full, len, &i, &cp)) {
            i = at + 1;
            cp = '_';
        }
        if (cp < 0x20 || cp == 0x7F || (cp < 0x80 && strchr("[]:*?/\\", (int)cp)))
            cp = '_';
        if (o == 0 && cp == '\'')
            cp = '_';
        w = cp > 0xFFFF ? 2 : 1;
        mm_utf8_put(cp, enc);
        if (units + w > LXW_SHEETNAME_MAX || o + strlen(enc) >= sizeof(base))
            break;
        memcpy(base + o, enc, strlen(enc));
        o += strlen(enc);
        units += w;
    }
    base[o] = '\0';
    if (o > 0 && base[o - 1] == '\'') /* cut just after an apostrophe: Excel refuses it last */
        base[o - 1] = '_';
    mm_strlcpy(cand, base, sizeof(cand));
    for (int n = 2;; n++) {
        int clash = 0;
        for (size_t k = 0; k < taken && !clash; k++)
            clash = strcasecmp(names[k], cand) == 0;
        if (!clash)
            break;
        /* Make room for the suffix: drop whole characters from the end. */
        {
            char suffix[16];
            size_t keep = o;
            int su = snprintf(suffix, sizeof(suffix), "_%d", n);
            int u = units;
            while (keep > 0 && u + su > LXW_SHEETNAME_MAX) {
                do
                    keep--;
                while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80);
                u -= (unsigned char)base[keep] >= 0xF0 ? 2 : 1; /* 4-byte: a surrogate pair */
            }
            memcpy(cand, base, keep);
            memcpy(cand + keep, suffix, (size_t)su + 1);
        }
    }
    mm_strlcpy(out, cand, LXW_MAX_SHEETNAME_LENGTH);
}

/* Sets row r's height for the given number of wrapped lines. */
static void row_height(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, int lines)
{
    double h = lines * XLSX_LINE_PT + 4;

    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_set_row(ws, r, h < XLSX_MAX_ROW_PT ? h : XLSX_MAX_ROW_PT, NULL));
}

/* Writes one row of the table (its first ncols columns) at sheet row r. */
static void write_row(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, const mm_report_row *row,
                      size_t ncols)
{
    mm_report_cells cells;
    int lines = 1;

    mm_report_row_cells(row, &cells);
    for (size_t c = 0; c < ncols; c++) {
        const mm_report_column *col = &mm_report_columns[c];
        lxw_format *f = col->center ? x->center : x->cell;
        int n = text_lines(cells.v[c], col->xlsx_width);
        if (c == MM_RCOL_TARGET && row->overdue)
            f = x->overdue;
        else if (c == MM_RCOL_CONFLICT && row->conflict)
            f = x->conflict;
        else if (c == MM_RCOL_VERDICT && row->verdict == MM_VERDICT_FAIL)
            f = x->fail;
        put(x, ws, r, COL(c), cells.v[c], f);
        if (n > lines)
            lines = n;
    }
    row_height(x, ws, r, lines);
}

/* The summary block from sheet row r on; counts are numbers. */
static void write_summary(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, const mm_report *rep)
{
    mm_report_kv kv[MM_REPORT_MAX_KV];
    size_t n = mm_report_summary_lines(rep, kv);

    put_merged(x, ws, r++, 0, 2, "集計", x->label);
    for (size_t i = 0; i < n; i++) {
        put_merged(x, ws, r, 0, 2, kv[i].key, x->sum_key);
        if (kv[i].numeric)
            put_number(x, ws, r++, 3, (double)kv[i].n, kv[i].unit[0] ? x->sum_count : x->sum_val);
        else
            put(x, ws, r++, 3, kv[i].val, x->sum_val);
    }
}

/* Page setup: A4 landscape, one page wide, the column headings on every page, "n / N". */
static void page_setup(xlsx_ctx *x, lxw_worksheet *ws, const char *sheet_label)
{
    char footer[LXW_HEADER_FOOTER_MAX + 1], label[LXW_HEADER_FOOTER_MAX];
    size_t o = 0;

    /* '&' starts a control code in Excel headers and footers: double it. */
    for (const char *p = sheet_label; *p && o + 2 < sizeof(label); p++) {
        if (*p == '&')
            label[o++] = '&';
        label[o++] = *p;
    }
    label[o] = '\0';
    if (mm_snprintf(footer, sizeof(footer), "&L%s&C&P / &N", label) != MM_OK)
        mm_strlcpy(footer, "&C&P / &N", sizeof(footer));
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_set_landscape(ws);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.6);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_center_horizontally(ws);
    check(x, worksheet_repeat_rows(ws, XLSX_HEADER_ROW, XLSX_HEADER_ROW));
    check(x, worksheet_set_footer(ws, footer));
    worksheet_freeze_panes(ws, XLSX_HEADER_ROW + 1, 0);
}

/* The head of a sheet: title, sheet label and facility line across ncols columns, then the
 * column headings on XLSX_HEADER_ROW. */
static void write_head(xlsx_ctx *x, lxw_worksheet *ws, const mm_report_set *set, const char *title,
                       const char *label, const mm_report_column *cols, size_t ncols)
{
    char line[2048];

    for (size_t c = 0; c < ncols && x->lerr == LXW_NO_ERROR; c++)
        check(x, worksheet_set_column(ws, COL(c), COL(c), cols[c].xlsx_width, NULL));
    put_merged(x, ws, 0, 0, COL(ncols - 1), title, x->title);
    put_merged(x, ws, 1, 0, COL(ncols - 1), label, x->label);
    mm_report_facility_line(set, line, sizeof(line));
    put_merged(x, ws, 2, 0, COL(ncols - 1), line, x->plain);
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_set_row(ws, 0, 21, NULL));
    for (size_t c = 0; c < ncols; c++)
        put(x, ws, XLSX_HEADER_ROW, COL(c), cols[c].header, x->head);
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_set_row(ws, XLSX_HEADER_ROW, 2 * XLSX_LINE_PT + 4, NULL));
}

static void write_sheet(xlsx_ctx *x, lxw_worksheet *ws, const mm_report_set *set,
                        const mm_report *rep)
{
    size_t ncols = mm_report_ncols(rep);
    lxw_row_t r;

    write_head(x, ws, set, rep->title, rep->sheet_label, mm_report_columns, ncols);
    r = XLSX_HEADER_ROW + 1;
    for (size_t k = 0; k < rep->nrows; k++)
        write_row(x, ws, r++, &rep->rows[k], ncols);
    write_summary(x, ws, r + 1, rep);
    page_setup(x, ws, rep->sheet_label);
}

/* The evidence appendix: one row per open finding, in the model's order (by item, failing
 * first), or a line saying there are none. */
static void write_appendix(xlsx_ctx *x, lxw_worksheet *ws, const mm_report_set *set)
{
    const char *title = set->nreports ? set->reports[0].title : "";
    lxw_row_t r = XLSX_HEADER_ROW + 1;

    write_head(x, ws, set, title, MM_REPORT_APPENDIX_TITLE, mm_report_fcolumns, MM_FCOL_COUNT);
    if (set->findings.n == 0)
        put_merged(x, ws, r, 0, COL(MM_FCOL_COUNT - 1), MM_REPORT_APPENDIX_EMPTY, x->cell);
    for (size_t i = 0; i < set->findings.n && x->lerr == LXW_NO_ERROR; i++, r++) {
        const mm_finding *f = &set->findings.v[i];
        mm_report_fcells cells;
        int lines = 1;
        if (mm_report_finding_cells(set, f, &cells) != MM_OK)
            check(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        for (size_t c = 0; c < MM_FCOL_COUNT; c++) {
            const mm_report_column *col = &mm_report_fcolumns[c];
            lxw_format *fmt = col->center ? x->center : x->cell;
            int n = text_lines(cells.v[c], col->xlsx_width);
            if (c == MM_FCOL_VERDICT && f->verdict == MM_VERDICT_FAIL)
                fmt = x->fail;
            put(x, ws, r, COL(c), cells.v[c], fmt);
            if (n > lines)
                lines = n;
        }
        row_height(x, ws, r, lines);
        mm_report_fcells_release(&cells);
    }
    page_setup(x, ws, MM_REPORT_APPENDIX_TITLE);
}

/* fsyncs the finished temporary file, renames it over path and fsyncs the directory. */
static mm_rc commit_file(const char *tmp, const char *path, mm_error *err)
{
    char dirbuf[4096];
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    mm_rc rc = MM_OK;

    if (fd < 0 || fsync(fd) != 0) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません (fsync failed: %s)",
                          strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません (rename failed: %s)",
                          strerror(errno));
        goto out;
    }
    mm_strlcpy(dirbuf, path, sizeof(dirbuf));
    {
        int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

mm_rc mm_report_write_xlsx(const mm_report_set *set, const char *path, mm_error *err)
{
    char tmp[4096] = "", (*names)[LXW_MAX_SHEETNAME_LENGTH] = NULL;
    lxw_doc_properties props = {0};
    xlsx_ctx x = {0};
    lxw_error cerr;
    mm_rc rc = MM_OK;

    if (mm_snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) != MM_OK) {
        tmp[0] = '\0';
        rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0, "パスが長すぎます (path too long)");
        goto out;
    }
    /* Claim the temporary name first: a missing directory or no permission is reported here
     * with its reason, instead of libxlsxwriter printing to stderr at workbook_close. */
    {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません (cannot create file: %s)",
                              strerror(errno));
            tmp[0] = '\0'; /* not ours to remove */
            goto out;
        }
        close(fd);
    }
    x.wb = workbook_new(tmp);
    if (!x.wb) {
        rc = mm_error_set(err, MM_ERR_NOMEM, path, 0, 0, "XLSX を作れません (workbook_new)");
        goto out;
    }
    props.title = (char *)(set->nreports ? set->reports[0].title : "");
    props.company = (char *)set->facility.name;
    props.comments = "Mamori";
    check(&x, workbook_set_properties(x.wb, &props));
    make_formats(&x);
    names = mm_xcalloc(set->nreports ? set->nreports : 1, sizeof(*names));
    for (size_t i = 0; i < set->nreports && x.lerr == LXW_NO_ERROR; i++) {
        lxw_worksheet *ws;
        sheet_name(&set->reports[i], names, i, names[i]);
        check(&x, workbook_validate_sheet_name(x.wb, names[i]));
        ws = x.lerr == LXW_NO_ERROR ? workbook_add_worksheet(x.wb, names[i]) : NULL;
        if (!ws) {
            check(&x, LXW_ERROR_MEMORY_MALLOC_FAILED);
            break;
        }
        write_sheet(&x, ws, set, &set->reports[i]);
    }
    if (x.lerr == LXW_NO_ERROR && !set->vendor_only) {
        lxw_worksheet *ws = workbook_add_worksheet(x.wb, MM_REPORT_APPENDIX_TITLE);
        if (ws)
            write_appendix(&x, ws, set);
        else
            check(&x, LXW_ERROR_MEMORY_MALLOC_FAILED);
    }
    cerr = workbook_close(x.wb); /* writes the file and frees the workbook */
    x.wb = NULL;
    check(&x, cerr);
    if (x.lerr != LXW_NO_ERROR) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "XLSX を書き込めません (libxlsxwriter: %s)",
                          lxw_strerror(x.lerr));
        goto out;
    }
    rc = commit_file(tmp, path, err);
out:
    if (rc != MM_OK && tmp[0])
        unlink(tmp);
    free(names);
    return rc;
}
