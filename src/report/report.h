/*
 * Checklist reports in the official sheet layout: per item its number, section, wording and
 * target (全般 / サーバ / 端末PC / ネットワーク機器), the 1回目 and 2回目 checks
 * (はい/いいえ/該当なし and 確認日), the 対応目標日 for いいえ, and notes; one sheet for
 * 医療機関確認用 and one per vendor for 事業者確認用; a summary block. The hospital sheet also
 * shows, per row, the machine's verdict from the evaluators' open findings and where it contradicts
 * the answer, and every format ends with the evidence appendix 証拠（評価結果） listing those
 * findings. Written as XLSX, PDF, printable HTML and CSV.
 *
 * The model (mm_report_set) is built once from the catalog and the store and then handed to
 * each format writer, so every format shows the same facts. Formats are a table of writers
 * (report_formats.c); adding one is adding a row.
 *
 * Ownership: mm_report_set_build returns a set the caller frees with mm_report_set_free
 * (accepts NULL, clears the pointer). The set borrows the catalog: free it first.
 */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include "answer.h"
#include "base.h"
#include "catalog.h"
#include "date.h"
#include "evaluate.h"
#include "facility.h"
#include "store.h"
#include "text.h"

/* One answer cell of a row: a round's check. */
typedef struct mm_report_check {
    int answered; /* 0: not answered yet */
    mm_answer_value value;
    mm_date checked; /* 確認日 */
    int has_target;
    mm_date target; /* 対応目標日 (いいえ only) */
    char answerer[256];
} mm_report_check;

/* One printed row: an item in one scope (2-⑫ gives two rows: サーバ and 端末PC). */
typedef struct mm_report_row {
    const mm_item *item;
    mm_scope scope;
    const char *section_title; /* 体制構築 … */
    const char *group;         /* sub-heading in section 2 ("サーバについて"), else NULL */
    mm_report_check round[2];  /* [0] = 1回目, [1] = 2回目 */
    int latest;                /* index of the newest answered round, -1 when none */
    int overdue;               /* latest is いいえ and its 対応目標日 is before today */
    char *note;                /* the latest round's note, "" when none (owned) */
    mm_verdict verdict;        /* the machine's verdict from open findings (hospital sheet) */
    int conflict;              /* the latest answer and the verdict disagree */
    char conflict_text[1024];  /* "はい, しかし証拠と矛盾: …" when conflict */
} mm_report_row;

/* A deadline the checklist itself sets (2-⑩: 令和9年度末). */
typedef struct mm_report_deadline {
    const mm_item *item;
    mm_date date;
    long days_left; /* from today; negative when passed */
    int met;        /* the latest answer for the item is はい */
} mm_report_deadline;

typedef struct mm_report_summary {
    int rows;         /* printed rows (items × scopes) */
    int answered;     /* rows with at least one round answered */
    int yes, no, na;  /* counts of each rows's latest answer */
    int overdue;      /* いいえ rows whose 対応目標日 has passed */
    int targets_open; /* いいえ rows with a 対応目標日 still ahead */
    int conflicts;    /* rows whose answer the evidence contradicts */
    mm_report_deadline deadlines[8];
    int ndeadlines;
} mm_report_summary;

/* One sheet of the report: the hospital's, or one vendor's. */
typedef struct mm_report {
    const mm_sheet *sheet;
    char vendor[256]; /* "" for 医療機関確認用 */
    char title[512]; /* "令和7年度版 医療機関におけるサイバーセキュリティ対策チェックリスト" */
    char sheet_label[512]; /* "医療機関確認用" or "事業者確認用（A社）" */
    mm_report_row *rows;
    size_t nrows;
    mm_report_summary summary;
    char audit_anchor[96]; /* "SEQ:HASH" of the audit trail's head when built ("" if empty) */
} mm_report;

typedef struct mm_report_set {
    mm_facility facility;
    char fy_label[32]; /* "令和7年度" */
    int version;
    mm_date today;      /* the date the report is as of */
    char generated[11]; /* today as YYYY/MM/DD */
    mm_report *reports; /* [0] is the hospital sheet, then one per vendor (name order) */
    size_t nreports;
    mm_finding_list findings; /* open findings of the evaluators: the evidence appendix */
    int vendor_only; /* one vendor's sheet alone: no hospital sheet, no findings, no appendix */
} mm_report_set;

/*
 * Builds the set for checklist version `version`: the hospital sheet, and the vendor sheet
 * once per vendor that exists in the store (if the catalog has a vendor sheet of that
 * version). only_vendor, when not NULL, restricts the vendor sheets to that one. OUT: *out.
 */
mm_rc mm_report_set_build(mm_store *st, const mm_catalog *cat, int version, const char *only_vendor,
                          mm_report_set **out, mm_error *err);
/*
 * The set a vendor may be given: only that vendor's 事業者確認用 sheet (reports[0]), without
 * the hospital sheet, other vendors or the evaluators' findings; the writers leave out the
 * evidence appendix (vendor_only is set). MM_ERR_NOTFOUND when the vendor does not exist or
 * the version has no vendor sheet. OUT: *out.
 */
mm_rc mm_report_set_build_vendor(mm_store *st, const mm_catalog *cat, int version,
                                 const char *vendor, mm_report_set **out, mm_error *err);
void mm_report_set_free(mm_report_set **set);

typedef enum { MM_REPORT_XLSX, MM_REPORT_PDF, MM_REPORT_HTML, MM_REPORT_CSV } mm_report_format;

typedef struct mm_report_opts {
    mm_report_format format;
    mm_encoding encoding; /* CSV only: UTF-8 with BOM (default) or CP932 */
} mm_report_opts;

mm_rc mm_report_format_parse(const char *s, mm_report_format *out);
const char *mm_report_format_name(mm_report_format f);

/* Writes the set to path atomically in the chosen format. */
mm_rc mm_report_write(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                      mm_error *err);

/* The individual writers (report_xlsx.c, report_pdf.c, report_html.c, report_csv.c). Each
 * writes to path atomically (the XLSX and PDF writers through a temporary file + rename). */
mm_rc mm_report_write_xlsx(const mm_report_set *set, const char *path, mm_error *err);
mm_rc mm_report_write_pdf(const mm_report_set *set, const char *path, mm_error *err);
mm_rc mm_report_write_html(const mm_report_set *set, const char *path, mm_error *err);
mm_rc mm_report_write_csv(const mm_report_set *set, mm_encoding enc, const char *path,
                          mm_error *err);

/* Display helpers shared by the writers. */
const char *
mm_report_check_value(const mm_report_check *c); /* "はい" / "いいえ" / "該当なし" / "" */
void mm_report_check_date(const mm_report_check *c, char out[11]); /* YYYY/MM/DD or "" */
void mm_report_check_target(const mm_report_check *c, char out[11]);

#endif
