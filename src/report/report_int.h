/*
 * Private to the report writers: what every format prints, decided once. The column table of
 * the checklist (headings, widths per format), the cell texts of a row, the facility line,
 * the summary lines and the rows of the evidence appendix live here (report_cells.c), so the
 * XLSX, PDF, HTML and CSV of one run use the same words in the same order and a column is
 * added in one place.
 *
 * Adding a checklist column: add its MM_RCOL_ value (before MM_RCOL_COUNT; the official
 * columns stay first and in their order), its row in mm_report_columns, and its text in
 * mm_report_row_cells. XLSX, HTML and CSV pick it up; the PDF does when it has a pdf_header.
 *
 * Ownership: the structs below are filled into the caller's memory and point into the model
 * or into themselves; only mm_report_finding_cells holds heap memory (release it).
 */
#ifndef MM_REPORT_INT_H
#define MM_REPORT_INT_H

#include "buf.h"
#include "report.h"

/* The checklist columns, in printed order. */
typedef enum {
    MM_RCOL_NO,       /* 項番 */
    MM_RCOL_SECTION,  /* 大項目 */
    MM_RCOL_GROUP,    /* 区分 */
    MM_RCOL_TEXT,     /* チェック項目 */
    MM_RCOL_SCOPE,    /* 対象 */
    MM_RCOL_ANS1,     /* 1回目 回答 */
    MM_RCOL_DATE1,    /* 1回目 確認日 */
    MM_RCOL_ANS2,     /* 2回目 回答 */
    MM_RCOL_DATE2,    /* 2回目 確認日 */
    MM_RCOL_TARGET,   /* 対応目標日, highlighted when overdue */
    MM_RCOL_NOTE,     /* 備考 */
    MM_RCOL_VERDICT,  /* 証拠による判定 (hospital sheet only) */
    MM_RCOL_CONFLICT, /* 矛盾 (hospital sheet only) */
    MM_RCOL_COUNT
} mm_report_col;

/* The official sheet's columns; the evidence columns follow them. */
#define MM_RCOL_OFFICIAL MM_RCOL_VERDICT

typedef struct mm_report_column {
    const char *header;     /* heading in the XLSX, HTML and CSV: "1回目 回答" */
    const char *pdf_header; /* the PDF's, broken where it reads best; NULL: not in the PDF */
    double xlsx_width;      /* Excel character units */
    double pdf_width;       /* points; 0: takes what the other columns leave of the line */
    const char *html_class; /* <col class>, its width set in report_html.c's stylesheet */
    int center;             /* short values centred */
} mm_report_column;

extern const mm_report_column mm_report_columns[MM_RCOL_COUNT];

/* The columns a report prints: all of them on the hospital sheet, which carries the machine
 * verdict, and the official ones on a vendor sheet. */
size_t mm_report_ncols(const mm_report *r);

/* The cell texts of one row, indexed by mm_report_col; "" for an empty cell. */
typedef struct mm_report_cells {
    const char *v[MM_RCOL_COUNT];
    char text[4096]; /* the wording, with 「（案）」 for a draft item */
    char d1[11], d2[11], target[11];
} mm_report_cells;

/* OUT: *c, pointing into row and into c itself. */
void mm_report_row_cells(const mm_report_row *row, mm_report_cells *c);

/* A key and its value: a facility field or a summary line. */
typedef struct mm_report_kv {
    const char *key; /* "施設名", "はい", "2-⑩ 期限" (points into kbuf or a literal) */
    const char *key_full; /* the unabridged key where space allows (HTML), else = key */
    char kbuf[64];
    char val[512]; /* as printed: "120床", "7/19", "1 件" */
    int numeric;   /* val is the count n, followed by unit ("" or " 件") */
    long n;
    const char *unit;
} mm_report_kv;

#define MM_REPORT_MAX_KV 24

/* The facility fields in printed order (施設名, 種別, 病床数, 都道府県, [責任者], 作成日, and
 * the fiscal year with an empty key). Returns how many; OUT: out[0..n). */
size_t mm_report_facility_fields(const mm_report_set *set, mm_report_kv out[MM_REPORT_MAX_KV]);

/* The same as one line: "施設名: …　種別: …　…　令和7年度". */
void mm_report_facility_line(const mm_report_set *set, char *out, size_t outsz);

/* The summary lines of a report: 回答済み, the counts, 証拠との矛盾 (hospital sheet), then the
 * checklist's own deadlines. Returns how many; OUT: out[0..n). */
size_t mm_report_summary_lines(const mm_report *r, mm_report_kv out[MM_REPORT_MAX_KV]);

/* ---- the evidence appendix ------------------------------------------------------------ */

#define MM_REPORT_APPENDIX_TITLE "証拠（評価結果）"
#define MM_REPORT_APPENDIX_EMPTY "評価結果はありません。mamori evaluate を実行してください"
#define MM_REPORT_MAX_REFS 20 /* references listed per finding; more end in "… 他 N 件" */

typedef enum {
    MM_FCOL_ITEM,    /* 項番 */
    MM_FCOL_VERDICT, /* 判定 */
    MM_FCOL_JA,      /* 内容 */
    MM_FCOL_EN,      /* Reason */
    MM_FCOL_REFS,    /* 証拠 */
    MM_FCOL_FIRST,   /* 初回検出 */
    MM_FCOL_LAST,    /* 最終確認 */
    MM_FCOL_COUNT
} mm_report_fcol;

extern const mm_report_column mm_report_fcolumns[MM_FCOL_COUNT];

/* The cell texts of one finding, indexed by mm_report_fcol. */
typedef struct mm_report_fcells {
    const char *v[MM_FCOL_COUNT];
    mm_buf refs; /* the references, one per line */
    char first[11], last[11];
} mm_report_fcells;

/* OUT: *c (release with mm_report_fcells_release). The item is shown by its catalog label
 * (2-⑥) when the hospital sheet has it, else by its id. */
mm_rc mm_report_finding_cells(const mm_report_set *set, const mm_finding *f, mm_report_fcells *c);
void mm_report_fcells_release(mm_report_fcells *c);

/*
 * Appends a finding's references (a JSON array of {table, id, label, file, line}) to out, one
 * per line: "file:line (label)", or "table #id (label)" for a row that came from no file. At
 * most MM_REPORT_MAX_REFS, then "… 他 N 件". Text that is not such an array is left out.
 */
mm_rc mm_report_refs_text(const char *refs, mm_buf *out);

#endif
