/*
 * The checklist report as a PDF for printing and archiving: A4 landscape, Noto Sans CJK JP,
 * the official columns with every cell laid out and wrapped by pango (so the item wording
 * stays whole text that pdftotext can extract), on the hospital sheet a narrow 判定 column with
 * the machine's verdict (⚠ 矛盾 and an orange bar on rows the evidence contradicts), the page
 * head and column headings repeated on every page, the summary block, the evidence appendix
 * 証拠（評価結果）, and "n / N" page numbers.
 *
 * The document is laid out twice with the same code: a measuring pass without a cairo context
 * counts the pages, the drawing pass then knows N. It is rendered into memory and written with
 * mm_file_write_atomic (temporary file + fsync + rename).
 */
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "buf.h"
#include "fs.h"
#include "report_int.h"

#define PDF_W 841.89 /* A4 landscape, in points */
#define PDF_H 595.28
#define PDF_MARGIN 28.0
#define PDF_FONT "Noto Sans CJK JP"
#define PDF_BODY_PT 7.5
#define PDF_PAD 2.5      /* inside each cell */
#define PDF_FOOTER 16.0  /* room kept at the bottom for the page number */
#define PDF_MAX_LINES 32 /* a longer cell (a very long 備考) ends in "…" so a row fits a page */

#define PDF_MAXCOLS 16
#define PDF_MARK_W 2.5 /* the orange bar left of a row the evidence contradicts */

/* A table as the PDF prints it: the columns of report_int.h's table that have a pdf_header,
 * the one with width 0 widened to fill PDF_W - 2 * PDF_MARGIN. */
typedef struct pdf_table {
    size_t n;
    const char *header[PDF_MAXCOLS];
    double width[PDF_MAXCOLS];
    int center[PDF_MAXCOLS];
    int src[PDF_MAXCOLS]; /* the column's index in the source table */
} pdf_table;

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb black = {0, 0, 0}, grid = {0.33, 0.33, 0.33}, head_bg = {0.851, 0.882, 0.949},
                 overdue_bg = {1.0, 0.780, 0.808}, overdue_fg = {0.612, 0, 0.024},
                 key_bg = {0.949, 0.949, 0.949}, conflict_bg = {1.0, 0.847, 0.659},
                 conflict_fg = {0.514, 0.235, 0}, conflict_bar = {0.929, 0.490, 0.192};

typedef struct pdf_ctx {
    cairo_t *cr; /* NULL in the measuring pass */
    PangoContext *pc;
    PangoLayout *lay; /* reused for every piece of text */
    PangoFontDescription *body, *bold, *title_font;
    const mm_report_set *set;
    const char *title;    /* the page head of the part being laid out */
    const char *label;    /* its sheet label, also in the footer */
    const pdf_table *tab; /* the table whose headings each page repeats */
    int page;             /* current page, 1-based; 0 before the first */
    int pages;            /* total, known in the drawing pass (0 while measuring) */
    double y;             /* where the next thing goes on the page */
    int fresh;            /* nothing but the page head on this page yet */
} pdf_ctx;

/* Lays s out in p->lay, wrapped to width w; returns its height. Never draws. */
static double measure(pdf_ctx *p, double w, const char *s, const PangoFontDescription *font,
                      PangoAlignment align)
{
    int pw, ph;

    pango_layout_set_font_description(p->lay, font);
    pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
    pango_layout_set_height(p->lay, -PDF_MAX_LINES);
    pango_layout_set_ellipsize(p->lay, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(p->lay, align);
    pango_layout_set_text(p->lay, s, -1);
    pango_layout_get_size(p->lay, &pw, &ph);
    return (double)ph / PANGO_SCALE;
}

/*
 * Lays out s in a box of width w at (x, y) and returns its height. Draws only in the drawing
 * pass. align: PANGO_ALIGN_LEFT / CENTER / RIGHT.
 */
static double text_at(pdf_ctx *p, double x, double y, double w, const char *s,
                      const PangoFontDescription *font, PangoAlignment align, rgb color)
{
    double h = measure(p, w, s, font, align);

    if (p->cr) {
        cairo_set_source_rgb(p->cr, color.r, color.g, color.b);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, p->lay);
    }
    return h;
}

static void fill_rect(pdf_ctx *p, double x, double y, double w, double h, rgb color)
{
    if (!p->cr)
        return;
    cairo_set_source_rgb(p->cr, color.r, color.g, color.b);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_fill(p->cr);
}

static void stroke_line(pdf_ctx *p, double x1, double y1, double x2, double y2)
{
    if (!p->cr)
        return;
    cairo_set_source_rgb(p->cr, grid.r, grid.g, grid.b);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, x1, y1);
    cairo_line_to(p->cr, x2, y2);
    cairo_stroke(p->cr);
}

static void stroke_rect(pdf_ctx *p, double x, double y, double w, double h)
{
    if (!p->cr)
        return;
    cairo_set_source_rgb(p->cr, grid.r, grid.g, grid.b);
    cairo_set_line_width(p->cr, 0.5);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_stroke(p->cr);
}

/* Builds the PDF's table from n columns of a report_int.h column table. */
static void table_init(pdf_table *t, const mm_report_column *cols, size_t n)
{
    double used = 0;
    int rest = -1;

    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < n && t->n < PDF_MAXCOLS; i++) {
        if (!cols[i].pdf_header)
            continue;
        t->header[t->n] = cols[i].pdf_header;
        t->width[t->n] = cols[i].pdf_width;
        t->center[t->n] = cols[i].center;
        t->src[t->n] = (int)i;
        if (cols[i].pdf_width > 0)
            used += cols[i].pdf_width;
        else
            rest = (int)t->n;
        t->n++;
    }
    if (rest >= 0)
        t->width[rest] = PDF_W - 2 * PDF_MARGIN - used;
}

static double table_width(const pdf_table *t)
{
    double w = 0;

    for (size_t i = 0; i < t->n; i++)
        w += t->width[i];
    return w;
}

/* How a cell is highlighted. */
typedef enum { CELL_PLAIN, CELL_OVERDUE, CELL_FAIL, CELL_CONFLICT } cell_style;

/* The cells of a table row: the text of each column; bold/background per cell. */
typedef struct pdf_cells {
    const char *text[PDF_MAXCOLS];
    cell_style style[PDF_MAXCOLS];
    int bold; /* heading row */
    rgb bg;   /* row background */
    int has_bg;
    int mark;      /* the orange bar left of the row: the evidence contradicts the answer */
    unsigned cont; /* bit i: column i continues the cell above (no line between them) */
} pdf_cells;

static double cells_height(pdf_ctx *p, const pdf_table *t, const pdf_cells *c)
{
    double h = 0;

    for (size_t i = 0; i < t->n; i++) {
        double m =
            measure(p, t->width[i] - 2 * PDF_PAD, c->text[i],
                    c->bold || c->style[i] != CELL_PLAIN ? p->bold : p->body, PANGO_ALIGN_LEFT);
        if (m > h)
            h = m;
    }
    return h + 2 * PDF_PAD;
}

static void draw_cells(pdf_ctx *p, const pdf_table *t, const pdf_cells *c, double h)
{
    double x = PDF_MARGIN;

    if (c->mark)
        fill_rect(p, PDF_MARGIN - PDF_MARK_W - 1, p->y, PDF_MARK_W, h, conflict_bar);
    for (size_t i = 0; i < t->n; i++) {
        double w = t->width[i];
        cell_style st = c->style[i];
        rgb fg = st == CELL_CONFLICT ? conflict_fg : st != CELL_PLAIN ? overdue_fg : black;
        if (c->has_bg)
            fill_rect(p, x, p->y, w, h, c->bg);
        if (st == CELL_OVERDUE)
            fill_rect(p, x, p->y, w, h, overdue_bg);
        else if (st == CELL_CONFLICT)
            fill_rect(p, x, p->y, w, h, conflict_bg);
        /* Top, left and right; the bottom is the next row's top or close_table's line. */
        if (!(c->cont & (1u << i)))
            stroke_line(p, x, p->y, x + w, p->y);
        stroke_line(p, x, p->y, x, p->y + h);
        stroke_line(p, x + w, p->y, x + w, p->y + h);
        text_at(p, x + PDF_PAD, p->y + PDF_PAD, w - 2 * PDF_PAD, c->text[i],
                c->bold || st != CELL_PLAIN ? p->bold : p->body,
                t->center[i] || c->bold ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT, fg);
        x += w;
    }
}

static void heading_cells(const pdf_table *t, pdf_cells *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < t->n; i++)
        c->text[i] = t->header[i];
    c->bold = 1;
    c->has_bg = 1;
    c->bg = head_bg;
}

/* Closes the current page: the footer, then the page itself. */
static void end_page(pdf_ctx *p)
{
    char num[32];

    if (p->page == 0)
        return;
    snprintf(num, sizeof(num), "%d / %d", p->page, p->pages);
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, p->label, p->body,
            PANGO_ALIGN_LEFT, grid);
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, num, p->body,
            PANGO_ALIGN_CENTER, black);
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, p->set->generated, p->body,
            PANGO_ALIGN_RIGHT, grid);
    if (p->cr)
        cairo_show_page(p->cr);
}

/* Starts a page: the page head (title, sheet, facility) and, if asked, the column headings of
 * p->tab. */
static void begin_page(pdf_ctx *p, int table_head)
{
    double w = PDF_W - 2 * PDF_MARGIN;
    char line[2048];

    p->page++;
    p->y = PDF_MARGIN;
    p->fresh = 1;
    mm_report_facility_line(p->set, line, sizeof(line));
    p->y += text_at(p, PDF_MARGIN, p->y, w, p->title, p->title_font, PANGO_ALIGN_LEFT, black);
    p->y += text_at(p, PDF_MARGIN, p->y, w, p->label, p->bold, PANGO_ALIGN_LEFT, black);
    p->y += text_at(p, PDF_MARGIN, p->y, w, line, p->body, PANGO_ALIGN_LEFT, black) + 4;
    if (table_head) {
        pdf_cells c;
        double h;
        heading_cells(p->tab, &c);
        h = cells_height(p, p->tab, &c);
        draw_cells(p, p->tab, &c, h);
        p->y += h;
    }
}

static double page_bottom(void)
{
    return PDF_H - PDF_MARGIN - PDF_FOOTER;
}

/* The line under the last row of the table on a page. */
static void close_table(pdf_ctx *p)
{
    stroke_line(p, PDF_MARGIN, p->y, PDF_MARGIN + table_width(p->tab), p->y);
}

/* Whether a row of height h must go to the next page. */
static int must_break(const pdf_ctx *p, double h)
{
    return p->y + h > page_bottom() && !p->fresh;
}

/* Draws a row of cells h high, first breaking the page (headings repeated) when it does not
 * fit. */
static void put_cells(pdf_ctx *p, const pdf_cells *c, double h)
{
    if (must_break(p, h)) {
        close_table(p);
        end_page(p);
        begin_page(p, 1);
    }
    draw_cells(p, p->tab, c, h);
    p->y += h;
    p->fresh = 0;
}

/* The 判定 cell of a hospital row: the verdict, and "⚠ 矛盾" when the evidence contradicts the
 * answer (the sentence itself is in the XLSX, HTML and CSV; the appendix lists the findings). */
static const char *verdict_cell(const mm_report_row *row, char *buf, size_t bufsz)
{
    if (row->verdict == MM_VERDICT_NONE)
        return "";
    snprintf(buf, bufsz, "%s%s", mm_verdict_label(row->verdict), row->conflict ? "\n⚠ 矛盾" : "");
    return buf;
}

/* Lays out the rows of one report, breaking pages with the headings repeated. 大項目 and 区分
 * are printed where they change and at the top of each page, as the official sheet merges
 * them. */
static void layout_rows(pdf_ctx *p, const mm_report *r)
{
    const char *prev_sec = NULL, *prev_grp = NULL;
    const pdf_table *t = p->tab;

    for (size_t k = 0; k < r->nrows; k++) {
        const mm_report_row *row = &r->rows[k];
        mm_report_cells cells;
        char verdict[64];
        pdf_cells c;
        int col_sec = -1, col_grp = -1;
        double h;

        mm_report_row_cells(row, &cells);
        memset(&c, 0, sizeof(c));
        for (size_t i = 0; i < t->n; i++) {
            c.text[i] = cells.v[t->src[i]];
            switch (t->src[i]) {
            case MM_RCOL_SECTION: col_sec = (int)i; break;
            case MM_RCOL_GROUP: col_grp = (int)i; break;
            case MM_RCOL_TARGET: c.style[i] = row->overdue ? CELL_OVERDUE : CELL_PLAIN; break;
            case MM_RCOL_VERDICT:
                c.text[i] = verdict_cell(row, verdict, sizeof(verdict));
                c.style[i] = row->conflict                     ? CELL_CONFLICT
                             : row->verdict == MM_VERDICT_FAIL ? CELL_FAIL
                                                               : CELL_PLAIN;
                break;
            default: break;
            }
        }
        c.mark = row->conflict;
        h = cells_height(p, t, &c); /* measured with every cell filled: the same on any page */
        if (must_break(p, h))
            prev_sec = prev_grp = NULL;
        if (col_sec >= 0 && prev_sec && strcmp(prev_sec, cells.v[MM_RCOL_SECTION]) == 0) {
            c.text[col_sec] = "";
            c.cont |= 1u << col_sec;
            if (col_grp >= 0 && prev_grp && strcmp(prev_grp, cells.v[MM_RCOL_GROUP]) == 0) {
                c.text[col_grp] = "";
                c.cont |= 1u << col_grp;
            }
        }
        prev_sec = cells.v[MM_RCOL_SECTION];
        prev_grp = cells.v[MM_RCOL_GROUP];
        put_cells(p, &c, h);
    }
    close_table(p);
}

/* The summary block: one key/value line each; moved to a new page when it does not fit. */
static void layout_summary(pdf_ctx *p, const mm_report *r)
{
    mm_report_kv kv[MM_REPORT_MAX_KV];
    size_t n = mm_report_summary_lines(r, kv);
    double lh, kw = 140, vw = 300;

    lh = measure(p, kw, "集計", p->body, PANGO_ALIGN_LEFT) + 2 * PDF_PAD;
    if (p->y + 8 + lh * (double)(n + 1) > page_bottom()) {
        end_page(p);
        begin_page(p, 0);
    }
    p->y += 8;
    p->y += text_at(p, PDF_MARGIN, p->y, kw, "集計", p->bold, PANGO_ALIGN_LEFT, black) + 2;
    for (size_t i = 0; i < n; i++) {
        fill_rect(p, PDF_MARGIN, p->y, kw, lh, key_bg);
        stroke_rect(p, PDF_MARGIN, p->y, kw, lh);
        stroke_rect(p, PDF_MARGIN + kw, p->y, vw, lh);
        text_at(p, PDF_MARGIN + PDF_PAD, p->y + PDF_PAD, kw - 2 * PDF_PAD, kv[i].key, p->body,
                PANGO_ALIGN_LEFT, black);
        text_at(p, PDF_MARGIN + kw + PDF_PAD, p->y + PDF_PAD, vw - 2 * PDF_PAD, kv[i].val, p->body,
                PANGO_ALIGN_LEFT, black);
        p->y += lh;
    }
}

/* The evidence appendix on pages of its own: the findings table (項番, 判定, 内容, 証拠) with
 * the headings repeated on every page, or a line saying there are none. */
static void layout_appendix(pdf_ctx *p)
{
    pdf_table t;

    table_init(&t, mm_report_fcolumns, MM_FCOL_COUNT);
    p->tab = &t;
    p->title = p->set->nreports ? p->set->reports[0].title : "";
    p->label = MM_REPORT_APPENDIX_TITLE;
    if (p->set->findings.n == 0) {
        begin_page(p, 0);
        p->y += text_at(p, PDF_MARGIN, p->y, PDF_W - 2 * PDF_MARGIN, MM_REPORT_APPENDIX_EMPTY,
                        p->body, PANGO_ALIGN_LEFT, black);
    } else {
        begin_page(p, 1);
    }
    for (size_t k = 0; k < p->set->findings.n; k++) {
        const mm_finding *f = &p->set->findings.v[k];
        mm_report_fcells cells;
        pdf_cells c;
        memset(&c, 0, sizeof(c));
        if (mm_report_finding_cells(p->set, f, &cells) == MM_OK) {
            for (size_t i = 0; i < t.n; i++) {
                c.text[i] = cells.v[t.src[i]];
                if (t.src[i] == MM_FCOL_VERDICT && f->verdict == MM_VERDICT_FAIL)
                    c.style[i] = CELL_FAIL;
            }
            put_cells(p, &c, cells_height(p, &t, &c));
        }
        mm_report_fcells_release(&cells);
    }
    if (p->set->findings.n > 0)
        close_table(p);
    end_page(p);
    p->tab = NULL;
}

/* One pass over the whole document; returns the number of pages. */
static int layout_all(pdf_ctx *p)
{
    p->page = 0;
    for (size_t i = 0; i < p->set->nreports; i++) {
        const mm_report *r = &p->set->reports[i];
        pdf_table t;
        table_init(&t, mm_report_columns, mm_report_ncols(r));
        p->tab = &t;
        p->title = r->title;
        p->label = r->sheet_label;
        begin_page(p, 1);
        layout_rows(p, r);
        layout_summary(p, r);
        end_page(p);
        p->tab = NULL;
    }
    if (!p->set->vendor_only)
        layout_appendix(p);
    return p->page;
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * LeakSanitizer (the ASan test build only): cairo 1.16's CFF font subsetter leaks a few hundred
 * bytes per embedded font on cairo_surface_finish, and fontconfig leaks some of its parsed
 * configuration; both are library bugs fixed in later releases. Debian builds them without
 * frame pointers, so their stacks stop inside the library and only the module can be matched.
 * Pango and glib objects are not covered: forgetting one of those is still reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so.2\nleak:libfontconfig.so.1\n";
}
#endif

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return mm_buf_add(closure, data, len) == MM_OK ? CAIRO_STATUS_SUCCESS
                                                   : CAIRO_STATUS_WRITE_ERROR;
}

/* MM_OK when pango resolves PDF_FONT to itself rather than a fallback. */
static mm_rc check_font(PangoFontMap *fm, PangoContext *pc, const PangoFontDescription *want,
                        mm_error *err)
{
    PangoFont *font = pango_font_map_load_font(fm, pc, want);
    PangoFontDescription *got = font ? pango_font_describe(font) : NULL;
    const char *family = got ? pango_font_description_get_family(got) : NULL;
    mm_rc rc = MM_OK;

    if (!family || g_ascii_strcasecmp(family, PDF_FONT) != 0)
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                          "PDF に使うフォント %s が見つかりません (font not found; install "
                          "fonts-noto-cjk)",
                          PDF_FONT);
    if (got)
        pango_font_description_free(got);
    if (font)
        g_object_unref(font);
    return rc;
}

static PangoFontDescription *font_desc(double size, PangoWeight weight)
{
    PangoFontDescription *d = pango_font_description_new();

    pango_font_description_set_family(d, PDF_FONT);
    pango_font_description_set_size(d, (int)(size * PANGO_SCALE));
    pango_font_description_set_weight(d, weight);
    return d;
}

mm_rc mm_report_write_pdf(const mm_report_set *set, const char *path, mm_error *err)
{
    PangoFontMap *fm = NULL;
    cairo_font_options_t *fo = NULL;
    cairo_surface_t *surface = NULL;
    pdf_ctx p;
    mm_buf out;
    mm_rc rc = MM_OK;

    memset(&p, 0, sizeof(p));
    mm_buf_init(&out, 0);
    p.set = set;
    fm = pango_cairo_font_map_new();
    pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(fm), 72.0); /* 1 pt = 1 unit */
    p.pc = pango_font_map_create_context(fm);
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(p.pc, fo);
    pango_context_set_round_glyph_positions(p.pc, FALSE);
    p.lay = pango_layout_new(p.pc);
    pango_layout_set_wrap(p.lay, PANGO_WRAP_WORD_CHAR);
    p.body = font_desc(PDF_BODY_PT, PANGO_WEIGHT_NORMAL);
    p.bold = font_desc(PDF_BODY_PT, PANGO_WEIGHT_BOLD);
    p.title_font = font_desc(11, PANGO_WEIGHT_BOLD);
    if ((rc = check_font(fm, p.pc, p.body, err)) != MM_OK)
        goto out;

    p.pages = layout_all(&p); /* measuring pass: p.cr is NULL */

    surface = cairo_pdf_surface_create_for_stream(to_buf, &out, PDF_W, PDF_H);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                   set->nreports ? set->reports[0].title : "");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Mamori");
    p.cr = cairo_create(surface);
    layout_all(&p);
    cairo_destroy(p.cr);
    p.cr = NULL;
    cairo_surface_finish(surface);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "PDF を作れません (cairo: %s)",
                          cairo_status_to_string(cairo_surface_status(surface)));
        goto out;
    }
    rc = mm_file_write_atomic(path, mm_buf_str(&out), out.len, 0644, err);
out:
    if (surface)
        cairo_surface_destroy(surface);
    if (p.title_font)
        pango_font_description_free(p.title_font);
    if (p.bold)
        pango_font_description_free(p.bold);
    if (p.body)
        pango_font_description_free(p.body);
    if (p.lay)
        g_object_unref(p.lay);
    if (fo)
        cairo_font_options_destroy(fo);
    if (p.pc)
        g_object_unref(p.pc);
    if (fm)
        g_object_unref(fm);
    mm_buf_release(&out);
    return rc;
}
