/*
 * The checklist report as an Excel workbook in the official sheet layout, because Excel is
 * what officials and inspectors use: one worksheet per sheet (医療機関確認用, then one per
 * vendor), a title and facility block, the official columns with one row per item and scope,
 * and a summary block. Dates are written as text (YYYY/MM/DD) so they read the same in any
 * locale. Written with libxlsxwriter to a temporary file beside the target, then fsynced and
 * renamed, so the target is either the old workbook or the whole new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "report.h"
#include "text.h"

#define XLSX_FONT "游ゴシック"
#define XLSX_FONT_SIZE 10
#define XLSX_LINE_PT 15.0     /* row height per wrapped line at XLSX_FONT_SIZE */
#define XLSX_MAX_ROW_PT 409.0 /* Excel's largest row height */
#define XLSX_HEADER_ROW 4     /* 0 title, 1 sheet label, 2 facility, 3 blank, 4 column headings */

/* The columns: heading and width in Excel's character units. */
static const struct {
    const char *header;
    double width;
    int center; /* 1: short values centred */
} columns[] = {
    {"項番", 6, 1},          {"大項目", 14, 0},    {"区分", 14, 0},
    {"チェック項目", 50, 0}, {"対象", 9, 1},       {"1回目 回答", 8, 1},
    {"1回目 確認日", 11, 1}, {"2回目 回答", 8, 1}, {"2回目 確認日", 11, 1},
    {"対応目標日", 11, 1},   {"備考", 30, 0},
};
#define NCOLS ((lxw_col_t)MM_ARRAY_LEN(columns))
#define COL_TARGET 9 /* 対応目標日, highlighted when overdue */

typedef struct xlsx_ctx {
    lxw_workbook *wb;
    lxw_error lerr; /* first libxlsxwriter error; later writes are skipped */
    lxw_format *title, *label, *plain, *head, *cell, *center, *overdue, *sum_key, *sum_val;
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

/* The facility line of the sheet head. */
static void facility_line(const mm_report_set *set, char *out, size_t outsz)
{
    const mm_facility *f = &set->facility;
    char beds[32], manager[300] = "";

    if (f->beds >= 0)
        snprintf(beds, sizeof(beds), "%ld床", f->beds);
    else
        mm_strlcpy(beds, "—", sizeof(beds));
    if (f->manager[0])
        snprintf(manager, sizeof(manager), "　責任者: %s", f->manager);
    snprintf(out, outsz, "施設名: %s　種別: %s　病床数: %s　都道府県: %s%s　作成日: %s　%s",
             f->name[0] ? f->name : "（未設定）", mm_facility_kind_label(f->kind), beds,
             f->prefecture[0] ? f->prefecture : "—", manager, set->generated, set->fy_label);
}

/* Writes one row of the table at sheet row r. */
static void write_row(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, const mm_report_row *row)
{
    char d1[11], d2[11], target[11], text[4096];
    const char *cells[MM_ARRAY_LEN(columns)];
    int lines = 1;

    mm_report_check_date(&row->round[0], d1);
    mm_report_check_date(&row->round[1], d2);
    target[0] = '\0';
    if (row->latest >= 0)
        mm_report_check_target(&row->round[row->latest], target);
    snprintf(text, sizeof(text), "%s%s", row->item->text, row->item->draft ? "（案）" : "");
    cells[0] = row->item->label;
    cells[1] = row->section_title ? row->section_title : "";
    cells[2] = row->group ? row->group : "";
    cells[3] = text;
    cells[4] = mm_scope_label(row->scope);
    cells[5] = mm_report_check_value(&row->round[0]);
    cells[6] = d1;
    cells[7] = mm_report_check_value(&row->round[1]);
    cells[8] = d2;
    cells[9] = target;
    cells[10] = row->note ? row->note : "";
    for (lxw_col_t c = 0; c < NCOLS; c++) {
        lxw_format *f = columns[c].center ? x->center : x->cell;
        int n = text_lines(cells[c], columns[c].width);
        if (c == COL_TARGET && row->overdue)
            f = x->overdue;
        put(x, ws, r, c, cells[c], f);
        if (n > lines)
            lines = n;
    }
    if (x->lerr == LXW_NO_ERROR) {
        double h = lines * XLSX_LINE_PT + 4;
        check(x, worksheet_set_row(ws, r, h < XLSX_MAX_ROW_PT ? h : XLSX_MAX_ROW_PT, NULL));
    }
}

/* The summary block from sheet row r on. */
static void write_summary(xlsx_ctx *x, lxw_worksheet *ws, lxw_row_t r, const mm_report *rep)
{
    const mm_report_summary *s = &rep->summary;
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
    char val[256];

    put_merged(x, ws, r++, 0, 2, "集計", x->label);
    snprintf(val, sizeof(val), "%d/%d", s->answered, s->rows);
    put_merged(x, ws, r, 0, 2, "回答済み", x->sum_key);
    put(x, ws, r++, 3, val, x->sum_val);
    for (size_t i = 0; i < MM_ARRAY_LEN(counts); i++) {
        put_merged(x, ws, r, 0, 2, counts[i].label, x->sum_key);
        put_number(x, ws, r++, 3, counts[i].n, x->sum_val);
    }
    for (int i = 0; i < s->ndeadlines; i++) {
        const mm_report_deadline *d = &s->deadlines[i];
        char date[11], key[128], left[64];
        mm_date_slash(&d->date, date);
        snprintf(key, sizeof(key), "%s 期限", d->item->label);
        if (d->days_left >= 0)
            snprintf(left, sizeof(left), "残り %ld日", d->days_left);
        else
            snprintf(left, sizeof(left), "%ld日超過", -d->days_left);
        snprintf(val, sizeof(val), "%s%s%s%s %s / %s", date, d->item->deadline_label ? "（" : "",
                 d->item->deadline_label ? d->item->deadline_label : "",
                 d->item->deadline_label ? "）" : "", left, d->met ? "達成" : "未達成");
        put_merged(x, ws, r, 0, 2, key, x->sum_key);
        put(x, ws, r++, 3, val, x->sum_val);
    }
}

/* Page setup: A4 landscape, one page wide, the column headings on every page, "n / N". */
static void page_setup(xlsx_ctx *x, lxw_worksheet *ws, const mm_report *rep)
{
    char footer[LXW_HEADER_FOOTER_MAX + 1], label[LXW_HEADER_FOOTER_MAX];
    size_t o = 0;

    /* '&' starts a control code in Excel headers and footers: double it. */
    for (const char *p = rep->sheet_label; *p && o + 2 < sizeof(label); p++) {
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

static void write_sheet(xlsx_ctx *x, lxw_worksheet *ws, const mm_report_set *set,
                        const mm_report *rep)
{
    char line[2048];
    lxw_row_t r;

    for (lxw_col_t c = 0; c < NCOLS && x->lerr == LXW_NO_ERROR; c++)
        check(x, worksheet_set_column(ws, c, c, columns[c].width, NULL));
    put_merged(x, ws, 0, 0, NCOLS - 1, rep->title, x->title);
    put_merged(x, ws, 1, 0, NCOLS - 1, rep->sheet_label, x->label);
    facility_line(set, line, sizeof(line));
    put_merged(x, ws, 2, 0, NCOLS - 1, line, x->plain);
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_set_row(ws, 0, 21, NULL));
    for (lxw_col_t c = 0; c < NCOLS; c++)
        put(x, ws, XLSX_HEADER_ROW, c, columns[c].header, x->head);
    if (x->lerr == LXW_NO_ERROR)
        check(x, worksheet_set_row(ws, XLSX_HEADER_ROW, 2 * XLSX_LINE_PT + 4, NULL));
    r = XLSX_HEADER_ROW + 1;
    for (size_t k = 0; k < rep->nrows; k++)
        write_row(x, ws, r++, &rep->rows[k]);
    write_summary(x, ws, r + 1, rep);
    page_setup(x, ws, rep);
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
