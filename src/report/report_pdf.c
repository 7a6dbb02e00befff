/*
 * The checklist report as a PDF for printing and archiving: A4 landscape, Noto Sans CJK JP,
 * the official columns with every cell laid out and wrapped by pango (so the item wording
 * stays whole text that pdftotext can extract), the page head and column headings repeated on
 * every page, the summary block, and "n / N" page numbers.
 *
 * The document is laid out twice with the same code: a measuring pass without a cairo context
 * counts the pages, the drawing pass then knows N. It is rendered into memory and written with
 * mm_file_write_atomic (temporary file + fsync + rename).
 */
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "buf.h"
#include "fs.h"
#include "report.h"

#define PDF_W 841.89 /* A4 landscape, in points */
#define PDF_H 595.28
#define PDF_MARGIN 28.0
#define PDF_FONT "Noto Sans CJK JP"
#define PDF_BODY_PT 7.5
#define PDF_PAD 2.5      /* inside each cell */
#define PDF_FOOTER 16.0  /* room kept at the bottom for the page number */
#define PDF_MAX_LINES 32 /* a longer cell (a very long 備考) ends in "…" so a row fits a page */

/* The columns: heading (broken where it reads best), width in points (they fill
 * PDF_W - 2 * PDF_MARGIN), centred or not. */
static const struct {
    const char *header;
    double width;
    int center;
} columns[] = {
    {"項番", 32, 1},          {"大項目", 64, 0},      {"区分", 64, 0},
    {"チェック項目", 236, 0}, {"対象", 46, 1},        {"1回目\n回答", 38, 1},
    {"1回目\n確認日", 50, 1}, {"2回目\n回答", 38, 1}, {"2回目\n確認日", 50, 1},
    {"対応目標日", 50, 1},    {"備考", 117.89, 0},
};
#define NCOLS MM_ARRAY_LEN(columns)
#define COL_TARGET 9 /* 対応目標日, highlighted when overdue */

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb black = {0, 0, 0}, grid = {0.33, 0.33, 0.33}, head_bg = {0.851, 0.882, 0.949},
                 overdue_bg = {1.0, 0.780, 0.808}, overdue_fg = {0.612, 0, 0.024},
                 key_bg = {0.949, 0.949, 0.949};

typedef struct pdf_ctx {
    cairo_t *cr; /* NULL in the measuring pass */
    PangoContext *pc;
    PangoLayout *lay; /* reused for every piece of text */
    PangoFontDescription *body, *bold, *title;
    const mm_report_set *set;
    const mm_report *rep; /* the report being laid out (for the page head) */
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

static double table_width(void)
{
    double w = 0;

    for (size_t i = 0; i < MM_ARRAY_LEN(columns); i++)
        w += columns[i].width;
    return w;
}

/* The cells of a table row: the text of each column; bold/background per cell. */
typedef struct pdf_cells {
    const char *text[NCOLS];
    int bold; /* heading row */
    rgb bg;   /* row background */
    int has_bg;
    int overdue;   /* highlight the 対応目標日 cell */
    unsigned cont; /* bit i: column i continues the cell above (no line between them) */
} pdf_cells;

static double cells_height(pdf_ctx *p, const pdf_cells *c)
{
    double h = 0;

    for (size_t i = 0; i < NCOLS; i++) {
        double t = measure(p, columns[i].width - 2 * PDF_PAD, c->text[i],
                           c->bold ? p->bold : p->body, PANGO_ALIGN_LEFT);
        if (t > h)
            h = t;
    }
    return h + 2 * PDF_PAD;
}

static void draw_cells(pdf_ctx *p, const pdf_cells *c, double h)
{
    double x = PDF_MARGIN;

    for (size_t i = 0; i < NCOLS; i++) {
        double w = columns[i].width;
        int od = c->overdue && i == COL_TARGET;
        if (c->has_bg)
            fill_rect(p, x, p->y, w, h, c->bg);
        if (od)
            fill_rect(p, x, p->y, w, h, overdue_bg);
        /* Top, left and right; the bottom is the next row's top or close_table's line. */
        if (!(c->cont & (1u << i)))
            stroke_line(p, x, p->y, x + w, p->y);
        stroke_line(p, x, p->y, x, p->y + h);
        stroke_line(p, x + w, p->y, x + w, p->y + h);
        text_at(p, x + PDF_PAD, p->y + PDF_PAD, w - 2 * PDF_PAD, c->text[i],
                c->bold || od ? p->bold : p->body,
                columns[i].center || c->bold ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT,
                od ? overdue_fg : black);
        x += w;
    }
}

static void heading_cells(pdf_cells *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NCOLS; i++)
        c->text[i] = columns[i].header;
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
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, p->rep->sheet_label, p->body,
            PANGO_ALIGN_LEFT, grid);
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, num, p->body,
            PANGO_ALIGN_CENTER, black);
    text_at(p, PDF_MARGIN, PDF_H - PDF_MARGIN, PDF_W - 2 * PDF_MARGIN, p->set->generated, p->body,
            PANGO_ALIGN_RIGHT, grid);
    if (p->cr)
        cairo_show_page(p->cr);
}

/* Starts a page: the page head (title, sheet, facility) and, if asked, the column headings. */
static void begin_page(pdf_ctx *p, int table_head)
{
    const mm_facility *f = &p->set->facility;
    double w = PDF_W - 2 * PDF_MARGIN;
    char line[2048], beds[32], manager[300] = "";

    p->page++;
    p->y = PDF_MARGIN;
    p->fresh = 1;
    if (f->beds >= 0)
        snprintf(beds, sizeof(beds), "%ld床", f->beds);
    else
        mm_strlcpy(beds, "—", sizeof(beds));
    if (f->manager[0])
        snprintf(manager, sizeof(manager), "　責任者: %s", f->manager);
    snprintf(line, sizeof(line), "施設名: %s　種別: %s　病床数: %s　都道府県: %s%s　作成日: %s　%s",
             f->name[0] ? f->name : "（未設定）", mm_facility_kind_label(f->kind), beds,
             f->prefecture[0] ? f->prefecture : "—", manager, p->set->generated, p->set->fy_label);
    p->y += text_at(p, PDF_MARGIN, p->y, w, p->rep->title, p->title, PANGO_ALIGN_LEFT, black);
    p->y += text_at(p, PDF_MARGIN, p->y, w, p->rep->sheet_label, p->bold, PANGO_ALIGN_LEFT, black);
    p->y += text_at(p, PDF_MARGIN, p->y, w, line, p->body, PANGO_ALIGN_LEFT, black) + 4;
    if (table_head) {
        pdf_cells c;
        double h;
        heading_cells(&c);
        h = cells_height(p, &c);
        draw_cells(p, &c, h);
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
    stroke_line(p, PDF_MARGIN, p->y, PDF_MARGIN + table_width(), p->y);
}

/* Lays out the rows of one report, breaking pages with the headings repeated. 大項目 and 区分
 * are printed where they change and at the top of each page, as the official sheet merges
 * them. */
static void layout_rows(pdf_ctx *p, const mm_report *r)
{
    const char *prev_sec = NULL, *prev_grp = NULL;

    for (size_t k = 0; k < r->nrows; k++) {
        const mm_report_row *row = &r->rows[k];
        char d1[11], d2[11], target[11], text[4096];
        const char *sec = row->section_title ? row->section_title : "";
        const char *grp = row->group ? row->group : "";
        pdf_cells c;
        double h;

        memset(&c, 0, sizeof(c));
        mm_report_check_date(&row->round[0], d1);
        mm_report_check_date(&row->round[1], d2);
        target[0] = '\0';
        if (row->latest >= 0)
            mm_report_check_target(&row->round[row->latest], target);
        snprintf(text, sizeof(text), "%s%s", row->item->text, row->item->draft ? "（案）" : "");
        c.text[0] = row->item->label;
        c.text[1] = sec;
        c.text[2] = grp;
        c.text[3] = text;
        c.text[4] = mm_scope_label(row->scope);
        c.text[5] = mm_report_check_value(&row->round[0]);
        c.text[6] = d1;
        c.text[7] = mm_report_check_value(&row->round[1]);
        c.text[8] = d2;
        c.text[9] = target;
        c.text[10] = row->note ? row->note : "";
        c.overdue = row->overdue;
        h = cells_height(p, &c); /* measured with every cell filled: the same on any page */
        if (p->y + h > page_bottom() && !p->fresh) {
            close_table(p);
            end_page(p);
            begin_page(p, 1);
            prev_sec = prev_grp = NULL;
        }
        if (prev_sec && strcmp(prev_sec, sec) == 0) {
            c.text[1] = "";
            c.cont |= 1u << 1;
            if (prev_grp && strcmp(prev_grp, grp) == 0) {
                c.text[2] = "";
                c.cont |= 1u << 2;
            }
        }
        prev_sec = sec;
        prev_grp = grp;
        draw_cells(p, &c, h);
        p->y += h;
        p->fresh = 0;
    }
    close_table(p);
}

/* The summary block: one key/value line each; moved to a new page when it does not fit. */
static void layout_summary(pdf_ctx *p, const mm_report *r)
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
    char keys[16][128], vals[16][256];
    int n = 0;
    double lh, kw = 140, vw = 300;

    snprintf(keys[n], sizeof(keys[n]), "回答済み");
    snprintf(vals[n++], sizeof(vals[0]), "%d/%d", s->answered, s->rows);
    for (size_t i = 0; i < MM_ARRAY_LEN(counts); i++) {
        snprintf(keys[n], sizeof(keys[n]), "%s", counts[i].label);
        snprintf(vals[n++], sizeof(vals[0]), "%d", counts[i].n);
    }
    for (int i = 0; i < s->ndeadlines && n < (int)MM_ARRAY_LEN(keys); i++) {
        const mm_report_deadline *d = &s->deadlines[i];
        const char *dl = d->item->deadline_label;
        char date[11], left[64];
        mm_date_slash(&d->date, date);
        if (d->days_left >= 0)
            snprintf(left, sizeof(left), "残り %ld日", d->days_left);
        else
            snprintf(left, sizeof(left), "%ld日超過", -d->days_left);
        snprintf(keys[n], sizeof(keys[n]), "%s 期限", d->item->label);
        snprintf(vals[n++], sizeof(vals[0]), "%s%s%s%s %s / %s", date, dl ? "（" : "", dl ? dl : "",
                 dl ? "）" : "", left, d->met ? "達成" : "未達成");
    }
    lh = measure(p, kw, "集計", p->body, PANGO_ALIGN_LEFT) + 2 * PDF_PAD;
    if (p->y + 8 + lh * (n + 1) > page_bottom()) {
        end_page(p);
        begin_page(p, 0);
    }
    p->y += 8;
    p->y += text_at(p, PDF_MARGIN, p->y, kw, "集計", p->bold, PANGO_ALIGN_LEFT, black) + 2;
    for (int i = 0; i < n; i++) {
        fill_rect(p, PDF_MARGIN, p->y, kw, lh, key_bg);
        stroke_rect(p, PDF_MARGIN, p->y, kw, lh);
        stroke_rect(p, PDF_MARGIN + kw, p->y, vw, lh);
        text_at(p, PDF_MARGIN + PDF_PAD, p->y + PDF_PAD, kw - 2 * PDF_PAD, keys[i], p->body,
                PANGO_ALIGN_LEFT, black);
        text_at(p, PDF_MARGIN + kw + PDF_PAD, p->y + PDF_PAD, vw - 2 * PDF_PAD, vals[i], p->body,
                PANGO_ALIGN_LEFT, black);
        p->y += lh;
    }
}

/* One pass over the whole document; returns the number of pages. */
static int layout_all(pdf_ctx *p)
{
    p->page = 0;
    for (size_t i = 0; i < p->set->nreports; i++) {
        p->rep = &p->set->reports[i];
        begin_page(p, 1);
        layout_rows(p, p->rep);
        layout_summary(p, p->rep);
        end_page(p);
    }
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
    p.title = font_desc(11, PANGO_WEIGHT_BOLD);
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
    if (p.title)
        pango_font_description_free(p.title);
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
